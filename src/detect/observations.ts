import type { SubscriptionGoneEvent } from "./event.js";

/**
 * Events Warden makes from what it saw itself, stored and detected like the ones it reads from
 * Microsoft's logs (source "warden"), so they are evidence on the card and in the audit trail.
 */

/** The operation name a Warden observation of a departed subscription carries. */
export const SUBSCRIPTION_GONE = "Warden/subscriptionNoLongerListed";

/**
 * A subscription Warden polled is no longer listed. The id depends on the subscription and on when its log
 * was last read, so a discovery run retried stores it once, and a subscription that comes back and leaves
 * again is a new observation.
 */
export function subscriptionGone(
  tenantId: string,
  subscriptionId: string,
  lastReadAt: number | undefined,
  observedAt: number,
): SubscriptionGoneEvent {
  const id = subscriptionId.toLowerCase();
  return {
    id: `warden:subscription-gone:${id}:${lastReadAt ?? "never-read"}`,
    source: "warden",
    shape: "warden-observation",
    tenantId,
    time: observedAt,
    operation: SUBSCRIPTION_GONE,
    succeeded: true,
    kind: "subscription-gone",
    subscriptionId: id,
    ...(lastReadAt === undefined ? {} : { lastReadAt }),
  };
}

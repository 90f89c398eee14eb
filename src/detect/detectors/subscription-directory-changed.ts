import { type Detector, finding } from "../detector.js";
import { principalLabel } from "../identity.js";
import { isGuid } from "../normalise/fields.js";

/**
 * A subscription moved to another directory: from then on the victim pays and the attacker holds the
 * logs. Always critical; the move is rarely legitimate without a change ticket.
 *
 * Two events say so. The move's own Activity Log record names who moved it and where; but it is written
 * in the subscription's log, which the tenant cannot read once the move completes, and logs are often
 * minutes late. Warden's observation that a subscription it watched is no longer listed does not depend
 * on that race: it cannot tell a move from Warden's access being removed, and says so.
 */
export const subscriptionDirectoryChanged: Detector = {
  rule: "subscription-directory-changed",
  severity: "critical",
  kinds: ["subscription-tenant-changed", "subscription-gone"],
  detect(event) {
    if (event.kind === "subscription-gone") {
      const lastRead =
        event.lastReadAt === undefined
          ? "its activity log was never read"
          : `its activity log was last read at ${new Date(event.lastReadAt).toISOString()}`;
      return [
        finding(this, event, {
          key: event.id,
          subject: { type: "subscription", id: event.subscriptionId },
          subscriptionIds: [event.subscriptionId],
          summary: `Subscription ${event.subscriptionId} is no longer in the directory: moved to another directory, or Warden's access to it was removed (${lastRead})`,
          // Certain that it left; not certain it was moved rather than hidden from Warden.
          confidence: 0.8,
        }),
      ];
    }
    if (event.kind !== "subscription-tenant-changed" || !event.succeeded) return [];
    const id = event.subscriptionId;
    const route =
      event.fromTenantId !== undefined && event.toTenantId !== undefined
        ? ` from tenant ${event.fromTenantId} to tenant ${event.toTenantId}`
        : " to another directory";
    return [
      finding(this, event, {
        key: event.id,
        subject: { type: "subscription", ...(id === undefined ? {} : { id }) },
        actor: event.actor,
        subscriptionIds: [id],
        summary: `Subscription ${id ?? "(id not logged)"} was moved${route} by ${principalLabel(event.actor)}`,
        confidence: 0.9,
        // Checked to be a GUID: the card names it, and it comes from a log the mover may have shaped.
        ...(event.toTenantId !== undefined && isGuid(event.toTenantId)
          ? { destinationTenantId: event.toTenantId.toLowerCase() }
          : {}),
      }),
    ];
  },
};

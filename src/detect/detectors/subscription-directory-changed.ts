import { type Detector, finding } from "../detector.js";
import { principalLabel } from "../identity.js";

/**
 * A subscription moved to another directory: from then on the victim pays and the attacker holds the
 * logs. Always critical; the move is rarely legitimate without a change ticket.
 */
export const subscriptionDirectoryChanged: Detector = {
  rule: "subscription-directory-changed",
  severity: "critical",
  kinds: ["subscription-tenant-changed"],
  detect(event) {
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
      }),
    ];
  },
};

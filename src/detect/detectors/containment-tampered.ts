import { type Detector, finding } from "../detector.js";
import { principalLabel } from "../identity.js";

/**
 * Someone other than Warden changed one of Warden's containment objects (issue 18, point 10): took a
 * contained user out of its group, or edited or deleted its conditional access policy. Either frees what
 * was contained; the next containment puts the policy back whole, and this says it happened, and who.
 */
export const containmentTampered: Detector = {
  rule: "containment-tampered",
  severity: "high",
  kinds: ["containment-object-changed"],
  detect(event) {
    if (event.kind !== "containment-object-changed" || !event.succeeded) return [];
    const by = principalLabel(event.actor);
    const what =
      event.object === "group"
        ? `${principalLabel(event.subject)} was taken out of "${event.objectName}"`
        : event.change === "Delete"
          ? `"${event.objectName}" was deleted`
          : `"${event.objectName}" was changed`;
    return [
      finding(this, event, {
        key: event.id,
        // A user freed from the group is the subject: the finding joins that user's incident.
        subject:
          event.object === "group" && event.subject !== undefined
            ? event.subject
            : { type: "tenant", id: event.tenantId },
        actor: event.actor,
        summary: `Warden's containment was undone by someone else: ${what} (by ${by})`,
        confidence: 0.85,
      }),
    ];
  },
};

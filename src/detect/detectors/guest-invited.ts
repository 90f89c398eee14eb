import { type Detector, describeExternal, finding, stableKey, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";

/** An external user is invited, or added enabled: the first step of attacks 2 and 3. */
export const guestInvited: Detector = {
  rule: "guest-invited",
  severity: "low",
  kinds: ["user-invited", "user-added"],
  detect(event) {
    if (!event.succeeded) return [];
    if (event.kind !== "user-invited" && event.kind !== "user-added") return [];
    if (event.subject.external !== true) return [];
    if (event.kind === "user-added" && event.enabled === false) return [];
    const verb = event.kind === "user-invited" ? "invited" : "added";
    return [
      finding(this, event, {
        // Invitation and the "Add user" it causes name the same guest: one finding, keyed by the guest.
        key: stableKey(event.subject, event.id),
        subject: subjectOf(event.subject, true),
        actor: event.actor,
        summary: `${principalLabel(event.actor)} ${verb} external user ${describeExternal(event.subject)}`,
        confidence: 0.4,
      }),
    ];
  },
};

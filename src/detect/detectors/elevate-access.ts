import { type Detector, finding, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";

/** A Global Administrator elevates to User Access Administrator at root: control of every subscription. */
export const elevateAccess: Detector = {
  rule: "elevate-access",
  severity: "high",
  kinds: ["elevate-access"],
  detect(event, history) {
    if (event.kind !== "elevate-access" || !event.succeeded || event.actor === undefined) return [];
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectOf(event.actor, history.isExternal(event.actor)),
        actor: event.actor,
        summary: `${principalLabel(event.actor)} elevated to User Access Administrator at root scope (all subscriptions)`,
        confidence: 0.6,
      }),
    ];
  },
};

import { type Detector, finding } from "../detector.js";
import { principalLabel } from "../identity.js";

/**
 * The tenant's subscription transfer policy is written: loosening it clears the way for a move. A write
 * that unambiguously blocks subscriptions leaving and exempts no one is the protective setting (what
 * Warden asks a Global Administrator to apply during a takeover) and raises nothing; one that exempts
 * anyone (an attacker blocking everyone but themselves), or a body that could be read two ways, does.
 */
export const subscriptionPolicyChanged: Detector = {
  rule: "subscription-policy-changed",
  severity: "high",
  kinds: ["subscription-policy-written"],
  detect(event) {
    if (event.kind !== "subscription-policy-written" || !event.succeeded) return [];
    if (event.protective === true) return [];
    const loosened = event.blockLeaving === false;
    const what = loosened ? "now lets subscriptions leave the directory" : "was changed";
    return [
      finding(this, event, {
        key: event.id,
        subject: { type: "tenant", id: event.tenantId },
        actor: event.actor,
        summary: `The subscription transfer policy ${what} (by ${principalLabel(event.actor)})`,
        confidence: loosened ? 0.8 : 0.55,
      }),
    ];
  },
};

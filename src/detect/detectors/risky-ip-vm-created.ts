import type { DetectConfig } from "../detect-config.js";
import { type Detector, finding, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";
import { inRanges, rangeList } from "../ip-ranges.js";

/** The configured risky ranges as a BlockList (checked once at start-up, so a bad range stops Warden). */
export function riskyRanges(config: Pick<DetectConfig, "riskyIpRanges">) {
  return rangeList(config.riskyIpRanges, "riskyIpRanges");
}

/** A VM is created from an address inside the configured risky ranges, by anyone. */
export const riskyIpVmCreated: Detector = {
  rule: "risky-ip-vm-created",
  severity: "medium",
  kinds: ["vm-created"],
  detect(event, history, config) {
    if (event.kind !== "vm-created" || !event.succeeded || event.actor?.ipAddress === undefined) return [];
    const ip = event.actor.ipAddress;
    if (!inRanges(ip, config.riskyIpRanges, "riskyIpRanges")) return [];
    // A trusted named location does not clear a risky address: whoever holds Conditional Access
    // Administrator can mark any range trusted. It is said, for the analyst to ask who did.
    const trusted = inRanges(ip, config.trustedIpRanges, "trustedIpRanges")
      ? " (also inside a range the tenant marks trusted: check who marked it)"
      : "";
    const vm = event.resourceId.slice(event.resourceId.lastIndexOf("/") + 1);
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectOf(event.actor, history.isExternal(event.actor)),
        actor: event.actor,
        subscriptionIds: [event.subscriptionId],
        summary: `${principalLabel(event.actor)} created VM ${vm} from ${ip}, inside a configured risky range${trusted}`,
        confidence: 0.6,
      }),
    ];
  },
};

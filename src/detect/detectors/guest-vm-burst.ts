import { type Detector, describeExternal, finding, subjectOf } from "../detector.js";
import { evidenceOf } from "../finding.js";

const DAY = 86_400_000;

/**
 * A new external principal (invited or added within `newPrincipalDays`) creates more than
 * `vmBurstThreshold` distinct VMs: the pattern of mining on a victim's subscription.
 */
export const guestVmBurst: Detector = {
  rule: "guest-vm-burst",
  severity: "high",
  kinds: ["vm-created"],
  detect(event, history, config) {
    if (event.kind !== "vm-created" || !event.succeeded || event.actor === undefined) return [];
    const state = history.principal(event.actor);
    if (
      state === undefined ||
      !state.external ||
      state.createdAt === undefined ||
      state.creation === undefined
    )
      return [];
    const createdAt = state.createdAt;
    const windowEnd = createdAt + config.newPrincipalDays * DAY;
    if (event.time < createdAt || event.time > windowEnd) return [];
    // Distinct VMs written in the window; deployment validations would count the same VM twice.
    const vms = new Map<string, (typeof state.retained)[number]>();
    for (const e of state.retained) {
      if (e.kind !== "vm-created" || e.via !== "vm-write" || !e.succeeded) continue;
      if (e.time < createdAt || e.time > windowEnd) continue;
      const id = e.resourceId.toLowerCase();
      const seen = vms.get(id);
      if (seen === undefined || e.time < seen.time) vms.set(id, e);
    }
    if (vms.size <= config.vmBurstThreshold) return [];
    const creations = [...vms.values()].sort((a, b) => a.time - b.time);
    const trigger = creations[config.vmBurstThreshold] ?? event;
    const subscriptions = creations.map((e) => (e.kind === "vm-created" ? e.subscriptionId : undefined));
    const days = Math.max(0, Math.floor((trigger.time - createdAt) / DAY));
    return [
      {
        ...finding(this, trigger, {
          // One burst per new principal: keyed by the event that made it new.
          key: state.creation.id,
          subject: subjectOf(event.actor, true),
          actor: event.actor,
          subscriptionIds: subscriptions,
          evidence: [state.creation, ...creations.map(evidenceOf)],
          summary: `${describeExternal(event.actor)} created ${vms.size} VMs within ${days + 1} day(s) of being added to the tenant`,
          confidence: 0.85,
        }),
      },
    ];
  },
};

import type { RuleId, Severity } from "../detect/finding.js";
import type { ActionName } from "./types.js";

/** When Warden may contain without a click (config: WARDEN_AUTO_*). Off unless switched on. */
export interface AutoContainPolicy {
  enabled: boolean;
  minConfidence: number;
  severities: readonly Severity[];
  /** Rules an incident must hold one of; empty: any rule. */
  rules: readonly RuleId[];
  /** Only these actions run without approval; the others wait for a click. */
  actions: readonly ActionName[];
  /** Circuit breaker: at most this many automatic actions per hour per tenant. */
  maxActionsPerHour: number;
}

export type AutoDecision = { auto: true } | { auto: false; reason: string };

/** Whether an incident's actions run without approval, and if not, why (said on the card). */
export function decideAuto(
  policy: AutoContainPolicy,
  incident: { severity: Severity; confidence: number; rules: readonly RuleId[] },
  actions: readonly ActionName[],
  automaticInLastHour: number,
): AutoDecision {
  if (!policy.enabled) return { auto: false, reason: "automatic containment is off" };
  if (incident.confidence < policy.minConfidence) {
    return {
      auto: false,
      reason: `confidence ${incident.confidence} is under the automatic threshold ${policy.minConfidence}`,
    };
  }
  if (!policy.severities.includes(incident.severity)) {
    return { auto: false, reason: `severity ${incident.severity} is not contained automatically` };
  }
  if (policy.rules.length > 0 && !incident.rules.some((r) => policy.rules.includes(r))) {
    return { auto: false, reason: "none of the incident's rules is contained automatically" };
  }
  const refused = actions.filter((a) => !policy.actions.includes(a));
  if (refused.length > 0)
    return { auto: false, reason: `${refused.join(", ")} may not run without approval` };
  if (automaticInLastHour + actions.length > policy.maxActionsPerHour) {
    return {
      auto: false,
      reason: `circuit breaker: ${automaticInLastHour} automatic actions in the last hour, the cap is ${policy.maxActionsPerHour}; this incident waits for approval`,
    };
  }
  return { auto: true };
}

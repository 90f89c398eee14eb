import { observedOnly } from "../detect/correlate.js";
import { type Finding, type RuleId, SEVERITY_RANK, type Severity } from "../detect/finding.js";
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

/** What the automatic policy judges an incident on, and what it set aside. */
export interface AutomaticJudgement {
  severity: Severity;
  confidence: number;
  rules: RuleId[];
  setAside?: string;
}

/**
 * An incident as the automatic policy sees it: its findings, less a takeover chain that only a departure
 * Warden observed completes. An observation says the subscription is gone from the directory, not who
 * moved it or that it moved at all (Warden's access may have been removed): it may raise the chain for a
 * person to judge, never make it critical enough to act alone (issue 17, finding 3: a member moving their
 * own subscription after granting a long-standing partner Owner made a critical incident at 0.97).
 */
export function judgedForAutomatic(findings: readonly Finding[]): AutomaticJudgement {
  const moves = findings.filter((f) => f.rule === "subscription-directory-changed");
  const chainObservedOnly =
    findings.some((f) => f.rule === "subscription-hijack-chain") && moves.every(observedOnly);
  const judged = chainObservedOnly
    ? findings.filter((f) => f.rule !== "subscription-hijack-chain")
    : findings;
  return {
    severity: judged.reduce<Severity>(
      (worst, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst] ? f.severity : worst),
      "low",
    ),
    confidence: judged.length === 0 ? 0 : Math.max(...judged.map((f) => f.confidence)),
    rules: [...new Set(judged.map((f) => f.rule))],
    ...(chainObservedOnly
      ? {
          setAside:
            "the takeover chain was not counted: it rests on a departure Warden only observed, no logged move",
        }
      : {}),
  };
}

import { observedOnly } from "../detect/correlate.js";
import { type Finding, type RuleId, SEVERITY_RANK, type Severity } from "../detect/finding.js";
import type { ActionName } from "./types.js";

/** When Warden may contain without a click (config: WARDEN_AUTO_*). Off unless switched on. */
export interface AutoContainPolicy {
  enabled: boolean;
  minConfidence: number;
  severities: readonly Severity[];
  /** Rules a finding must be of for its actions to run without approval; empty: any rule. */
  rules: readonly RuleId[];
  /** Only these actions run without approval; the others wait for a click. */
  actions: readonly ActionName[];
  /** Circuit breaker: at most this many automatic actions per hour per tenant. */
  maxActionsPerHour: number;
}

export type AutoDecision = { auto: true } | { auto: false; reason: string };

/**
 * Whether one action may run without approval. It is judged on the findings that ask for it, one by one,
 * never on the incident as a whole (issue 17, finding 3): a critical chain in the incident does not carry
 * a high finding's actions with it. `counted` holds the findings the automatic policy may count at all
 * (`countedForAutomatic`).
 */
export function decideAction(
  policy: AutoContainPolicy,
  action: ActionName,
  askedBy: readonly Finding[],
  counted: ReadonlySet<string>,
): AutoDecision {
  if (!policy.enabled) return { auto: false, reason: "automatic containment is off" };
  if (!policy.actions.includes(action))
    return { auto: false, reason: `${action} may not run without approval` };
  const judged = askedBy.filter((f) => counted.has(f.id));
  if (judged.length === 0)
    return {
      auto: false,
      reason:
        askedBy.length === 0
          ? "no finding asks for it any more"
          : "only the takeover chain asks for it, and the chain rests on a departure Warden only observed, no logged move",
    };
  if (judged.some((f) => meetsPolicy(policy, f))) return { auto: true };
  const strongest = [...judged].sort(
    (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || ownConfidence(b) - ownConfidence(a),
  )[0] as Finding;
  const alerts = strongest.confidenceBeforeAlerts === undefined ? "" : " before Microsoft's alerts";
  return {
    auto: false,
    reason: `no finding asking for it meets the automatic policy (${policy.severities.join(" or ")}, confidence ${policy.minConfidence} or more${policy.rules.length > 0 ? `, rules ${policy.rules.join(", ")}` : ""}): the strongest is ${strongest.rule}, ${strongest.severity} at ${ownConfidence(strongest)}${alerts}`,
  };
}

/**
 * What Warden's own evidence says of a finding: Microsoft's alerts raise the confidence an analyst sees,
 * never what the automatic policy judges. An alert can be set off from outside (a spray, a brute force),
 * and an alert alone must never start containment, nor tip a finding into it.
 */
function ownConfidence(f: Finding): number {
  return f.confidenceBeforeAlerts ?? f.confidence;
}

function meetsPolicy(policy: AutoContainPolicy, f: Finding): boolean {
  return (
    ownConfidence(f) >= policy.minConfidence &&
    policy.severities.includes(f.severity) &&
    (policy.rules.length === 0 || policy.rules.includes(f.rule))
  );
}

/** The circuit breaker's word on `wanted` more automatic actions, past `inLastHour` of them. */
export function breakerAllows(policy: AutoContainPolicy, inLastHour: number, wanted: number): AutoDecision {
  return inLastHour + wanted > policy.maxActionsPerHour
    ? {
        auto: false,
        reason: `circuit breaker: ${inLastHour} automatic actions in the last hour, the cap is ${policy.maxActionsPerHour}; this incident waits for approval`,
      }
    : { auto: true };
}

/** The findings the automatic policy may count, and what it set aside. */
export interface CountedFindings {
  counted: Set<string>;
  setAside?: string;
}

/**
 * An incident's findings as the automatic policy may count them: all but a takeover chain that only a
 * departure Warden observed completes. An observation says the subscription is gone from the directory,
 * not who moved it or that it moved at all (Warden's access may have been removed): it may raise the chain
 * for a person to judge, never make anything critical enough to act alone (issue 17, finding 3: a member
 * moving their own subscription after granting a long-standing partner Owner made a critical incident).
 */
export function countedForAutomatic(findings: readonly Finding[]): CountedFindings {
  const moves = findings.filter((f) => f.rule === "subscription-directory-changed");
  const chainObservedOnly =
    findings.some((f) => f.rule === "subscription-hijack-chain") && moves.every(observedOnly);
  const counted = new Set(
    findings.filter((f) => !chainObservedOnly || f.rule !== "subscription-hijack-chain").map((f) => f.id),
  );
  return chainObservedOnly
    ? {
        counted,
        setAside:
          "the takeover chain was not counted: it rests on a departure Warden only observed, no logged move",
      }
    : { counted };
}

import { type CaPolicy, demands, narrowing, sparesOthers, uncoveredClients } from "../ca-policy.js";
import type { PostureFacts } from "../gather.js";
import type { Check } from "./shared.js";
import { cannotRead, enabled, finding, firstFailed } from "./shared.js";

const FIX =
  'Entra admin center > Protection > Conditional Access > Create new policy from templates > "Require multifactor authentication for risky sign-ins" and "Require password change for high-risk users", state On, excluding only the break-glass accounts (needs Entra ID P2); or POST https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies with conditions.signInRiskLevels ["high","medium"], conditions.users.includeUsers ["All"], conditions.applications.includeApplications ["All"], conditions.clientAppTypes ["all"], grantControls {"operator":"OR","builtInControls":["mfa"]}, state "enabled"';

type RiskKind = "signInRiskLevels" | "userRiskLevels";
const lower = (l: string[] | undefined) => (l ?? []).map((v) => v.toLowerCase());

/** A policy that acts on high risk of this kind for everyone (break-glass accounts apart), everywhere. */
function actsOn(p: CaPolicy, kind: RiskKind, facts: PostureFacts, breakGlass: ReadonlySet<string>): boolean {
  if (!lower(p.conditions[kind]).includes("high")) return false;
  if (!lower(p.conditions.users?.includeUsers).includes("all")) return false;
  if (sparesOthers(p, breakGlass, facts.groupMembers.ok ? facts.groupMembers.value : new Map())) return false;
  // Narrowed by nothing but its own risk condition.
  if (narrowing({ ...p, conditions: { ...p.conditions, [kind]: [] } }).length > 0) return false;
  if (demands(p) !== undefined) return true;
  return kind === "userRiskLevels" && lower(p.grantControls?.builtInControls).includes("passwordchange");
}

/**
 * `no-risky-signin-policy`: no enabled policies act (block, MFA, or a password change for user risk) on
 * high sign-in risk, or on high user risk, for all users (break-glass accounts apart) on every sign-in.
 * Identity Protection flags the stolen session and the impossible travel of a takeover as risk; without a
 * policy that acts on it, the flag changes nothing.
 */
export const noRiskySigninPolicy: Check = (facts) => {
  const failed = firstFailed({
    "Conditional access policies": facts.policies,
    "The members of the policies' groups": facts.groupMembers,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.policies.ok) return { findings: [] };
  const breakGlass = new Set(facts.breakGlass.ok ? facts.breakGlass.value.keys() : []);
  const policies = enabled(facts.policies.value);
  const missing = (["signInRiskLevels", "userRiskLevels"] as const).filter(
    (kind) => uncoveredClients(policies.filter((p) => actsOn(p, kind, facts, breakGlass))).length > 0,
  );
  if (missing.length === 0) return { findings: [] };
  const reportOnly = facts.policies.value.find(
    (p) =>
      p.state === "enabledForReportingButNotEnforced" &&
      ((p.conditions.signInRiskLevels ?? []).length > 0 || (p.conditions.userRiskLevels ?? []).length > 0),
  );
  const words = missing.map((k) => (k === "signInRiskLevels" ? "high sign-in risk" : "high user risk"));
  return {
    findings: [
      finding(
        "no-risky-signin-policy",
        "high",
        { setting: "conditionalAccess.riskPolicies" },
        `No enabled conditional access policy blocks or requires MFA of all users on every sign-in at ${words.join(" or at ")}.${reportOnly === undefined ? "" : ` ("${reportOnly.displayName}" is report-only: it enforces nothing.)`}`,
        FIX,
      ),
    ],
  };
};

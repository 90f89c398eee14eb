import type { CaPolicy } from "../ca-policy.js";
import { demands } from "../ca-policy.js";
import type { Check } from "./shared.js";
import { cannotRead, enabled, finding } from "./shared.js";

const FIX =
  'Entra admin center > Protection > Conditional Access > Create new policy from templates > "Require multifactor authentication for risky sign-ins" and "Require password change for high-risk users", state On (needs Entra ID P2); or POST https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies with conditions.signInRiskLevels ["high","medium"], conditions.users.includeUsers ["All"], conditions.applications.includeApplications ["All"], grantControls {"operator":"OR","builtInControls":["mfa"]}, state "enabled"';

const lower = (l: string[] | undefined) => (l ?? []).map((v) => v.toLowerCase());

/** Everyone and every resource: a risk policy for a few people leaves the rest of the tenant open. */
function everyone(p: CaPolicy): boolean {
  return (
    lower(p.conditions.users?.includeUsers).includes("all") &&
    lower(p.conditions.applications?.includeApplications).includes("all")
  );
}

/** What a risk policy must do at high risk: block, or demand MFA (or a password change, for user risk). */
function actsOn(p: CaPolicy, kind: "signInRiskLevels" | "userRiskLevels"): boolean {
  if (!lower(p.conditions[kind]).includes("high") || !everyone(p)) return false;
  if (demands(p) !== undefined) return true;
  const controls = lower(p.grantControls?.builtInControls);
  return kind === "userRiskLevels" && controls.includes("passwordchange");
}

/**
 * `no-risky-signin-policy`: no enabled policy acts (block or MFA) on high sign-in risk or high user risk
 * for all users. Microsoft's Identity Protection flags the stolen session and the impossible travel of a
 * takeover as risk; without a policy that acts on it, the flag changes nothing.
 */
export const noRiskySigninPolicy: Check = (facts) => {
  if (!facts.policies.ok) return cannotRead("Conditional access policies", facts.policies);
  const policies = enabled(facts.policies.value);
  const missing = (["signInRiskLevels", "userRiskLevels"] as const).filter(
    (kind) => !policies.some((p) => actsOn(p, kind)),
  );
  if (missing.length === 0) return { findings: [] };
  const reportOnly = facts.policies.value.filter(
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
        `No enabled conditional access policy blocks or requires MFA of all users at ${words.join(" or at ")}.${reportOnly.length === 0 ? "" : ` ("${reportOnly[0]?.displayName}" is report-only: it enforces nothing.)`}`,
        FIX,
      ),
    ],
  };
};

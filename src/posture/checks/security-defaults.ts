import { demands, narrowing } from "../ca-policy.js";
import type { Check } from "./shared.js";
import { cannotRead, enabled, finding, firstFailed } from "./shared.js";

const FIX =
  'Either turn Security Defaults on (Entra admin center > Overview > Properties > Manage security defaults: Enabled; or PATCH https://graph.microsoft.com/v1.0/policies/identitySecurityDefaultsEnforcementPolicy {"isEnabled":true}) or, with Entra ID P1, create an enabled conditional access policy that requires MFA of All users for All resources (template "Require multifactor authentication for all users")';

/**
 * `security-defaults-off-and-no-policies`: Security Defaults off, and no enabled conditional access
 * policy takes its place: none requires MFA (or blocks) for all users on every sign-in. Security Defaults
 * makes everyone register and use MFA; turned off with nothing instead, a password is enough.
 */
export const securityDefaultsOffAndNoPolicies: Check = (facts) => {
  const failed = firstFailed({
    "The Security Defaults setting": facts.securityDefaults,
    "Conditional access policies": facts.policies,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.securityDefaults.ok || !facts.policies.ok || facts.securityDefaults.value)
    return { findings: [] };
  const forEveryone = enabled(facts.policies.value).filter(
    (p) =>
      (p.conditions.users?.includeUsers ?? []).some((u) => u.toLowerCase() === "all") &&
      demands(p) !== undefined &&
      narrowing(p).length === 0,
  );
  if (forEveryone.length > 0) return { findings: [] };
  const count = enabled(facts.policies.value).length;
  return {
    findings: [
      finding(
        "security-defaults-off-and-no-policies",
        "high",
        { setting: "identitySecurityDefaultsEnforcementPolicy.isEnabled" },
        `Security Defaults is off and none of the ${count} enabled conditional access ${count === 1 ? "policy requires" : "policies require"} MFA of all users on every sign-in: a password alone signs in everyone else.`,
        FIX,
      ),
    ],
  };
};

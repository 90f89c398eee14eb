import { demands, narrowing, sparesOthers, uncoveredClients } from "../ca-policy.js";
import type { Check } from "./shared.js";
import { cannotRead, enabled, finding, firstFailed } from "./shared.js";

const FIX =
  'Either turn Security Defaults on (Entra admin center > Overview > Properties > Manage security defaults: Enabled; or PATCH https://graph.microsoft.com/v1.0/policies/identitySecurityDefaultsEnforcementPolicy {"isEnabled":true}) or, with Entra ID P1, create an enabled conditional access policy that requires MFA of All users for All resources and all client apps, excluding only the break-glass accounts (template "Require multifactor authentication for all users")';

/**
 * `security-defaults-off-and-no-policies`: Security Defaults off, and the enabled conditional access
 * policies do not take its place: none requires MFA (or blocks) for all users (break-glass accounts
 * apart) on every sign-in, together covering every client app type. Security Defaults makes everyone
 * register and use MFA; turned off with nothing instead, a password is enough.
 */
export const securityDefaultsOffAndNoPolicies: Check = (facts) => {
  const failed = firstFailed({
    "The Security Defaults setting": facts.securityDefaults,
    "Conditional access policies": facts.policies,
    "The members of the policies' groups": facts.groupMembers,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.securityDefaults.ok || !facts.policies.ok || facts.securityDefaults.value)
    return { findings: [] };
  const breakGlass = new Set(facts.breakGlass.ok ? facts.breakGlass.value.keys() : []);
  const groups = facts.groupMembers.ok ? facts.groupMembers.value : new Map();
  const forEveryone = enabled(facts.policies.value).filter(
    (p) =>
      (p.conditions.users?.includeUsers ?? []).some((u) => u.toLowerCase() === "all") &&
      !sparesOthers(p, breakGlass, groups) &&
      demands(p) !== undefined &&
      narrowing(p).length === 0,
  );
  if (uncoveredClients(forEveryone).length === 0) return { findings: [] };
  const count = enabled(facts.policies.value).length;
  return {
    findings: [
      finding(
        "security-defaults-off-and-no-policies",
        "high",
        { setting: "identitySecurityDefaultsEnforcementPolicy.isEnabled" },
        `Security Defaults is off and the ${count} enabled conditional access ${count === 1 ? "policy does" : "policies do"} not require MFA of all users on every sign-in: a password alone signs in everyone else.`,
        FIX,
      ),
    ],
  };
};

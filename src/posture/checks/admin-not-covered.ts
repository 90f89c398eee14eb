import { demands, narrowing, scopeOf, uncoveredClients } from "../ca-policy.js";
import type { Check } from "./shared.js";
import {
  cannotRead,
  enabled,
  finding,
  firstFailed,
  listInWords,
  nameOf,
  partly,
  principalOf,
  privilegedUsers,
  rolesInWords,
  subjectOf,
} from "./shared.js";

const FIX =
  'Entra admin center > Protection > Conditional Access > Create new policy from templates > "Require multifactor authentication for admins" (or one for All users), state On, target All resources, all client apps; or POST https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies with conditions.users.includeRoles (or includeUsers ["All"]), conditions.applications.includeApplications ["All"], conditions.clientAppTypes ["all"], grantControls {"operator":"OR","builtInControls":["mfa"]}, state "enabled"';

/**
 * `admin-not-covered-by-mfa-policy`: a privileged user whom the *enabled* conditional access policies
 * together do not hold to MFA (or block) on every sign-in. Evaluated here, not asked of Microsoft: users,
 * nested groups, tenant-wide roles, guest types, exclusions, resources and conditions (ca-policy.ts). A
 * policy counts only if nothing but client app types narrows it, and the policies that count must cover
 * every client app type between them (MFA for modern clients and a block of legacy ones do). Report-only
 * and disabled policies enforce nothing.
 */
export const adminNotCoveredByMfaPolicy: Check = (facts) => {
  const failed = firstFailed({
    "The privileged role holders": facts.holders,
    "Conditional access policies": facts.policies,
    "The members of the policies' groups": facts.groupMembers,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.holders.ok || !facts.policies.ok || !facts.groupMembers.ok) return { findings: [] };
  const holders = facts.holders.value;
  const all = facts.policies.value;
  const groups = facts.groupMembers.value;
  const policies = enabled(all);
  // Emergency-access accounts are meant to be excluded (Microsoft's guidance): their own check judges them.
  const breakGlass = facts.breakGlass.ok ? facts.breakGlass.value : new Map();
  const findings = privilegedUsers(holders).flatMap(({ user, roles }) => {
    if (breakGlass.has(user.id.toLowerCase())) return [];
    const subject = subjectOf(user, holders, groups);
    const applying = policies.filter((p) => scopeOf(p, subject) === "included" && demands(p) !== undefined);
    const counting = applying.filter((p) => narrowing(p).length === 0);
    const uncovered = uncoveredClients(counting);
    if (uncovered.length === 0) return [];
    const near = applying.find((p) => narrowing(p).length > 0);
    const reportOnly = all.find(
      (p) =>
        p.state === "enabledForReportingButNotEnforced" &&
        demands(p) !== undefined &&
        scopeOf(p, subject) === "included",
    );
    const why = [
      counting.length === 0 ? "" : ` Sign-ins from ${listInWords(uncovered)} are left out.`,
      near === undefined ? "" : ` "${near.displayName}" takes them in, but ${narrowing(near).join(" and ")}.`,
      reportOnly === undefined
        ? ""
        : ` "${reportOnly.displayName}" would, but is report-only: it enforces nothing.`,
    ].join("");
    return [
      finding(
        "admin-not-covered-by-mfa-policy",
        "high",
        { principal: principalOf(user) },
        `No enabled conditional access policy requires MFA of ${nameOf(user)} (${rolesInWords(roles)}) on every sign-in.${why}`,
        FIX,
      ),
    ];
  });
  return partly(findings, holders);
};

import { ENTRA_ROLE } from "../../detect/roles.js";
import { canRefuse, scopeOf } from "../ca-policy.js";
import type { Check } from "./shared.js";
import {
  cannotRead,
  enabled,
  finding,
  firstFailed,
  listInWords,
  nameOf,
  principalOf,
  subjectOf,
} from "./shared.js";

const GUIDANCE =
  "https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access";

/**
 * `break-glass-misconfigured`: a configured emergency-access account (WARDEN_BREAK_GLASS_IDS) that is
 * missing, disabled, not a permanently active Global Administrator (an eligible one needs PIM to work in
 * the emergency), or not excluded from an enabled conditional access policy that could refuse its sign-in.
 * Microsoft: keep at least two, permanently assigned, excluded from conditional access (GUIDANCE).
 */
export const breakGlassMisconfigured: Check = (facts) => {
  if (facts.breakGlass.ok && facts.breakGlass.value.size === 0)
    return cannotRead("The break-glass accounts", {
      ok: false,
      reason: `none is configured: Warden checks the accounts named in WARDEN_BREAK_GLASS_IDS (${GUIDANCE})`,
    });
  const failed = firstFailed({
    "The break-glass accounts": facts.breakGlass,
    "The privileged role holders": facts.holders,
    "Conditional access policies": facts.policies,
    "The members of the policies' groups": facts.groupMembers,
  });
  if (failed !== undefined) return cannotRead(failed.what, { ok: false, reason: failed.reason });
  if (!facts.breakGlass.ok || !facts.holders.ok || !facts.policies.ok || !facts.groupMembers.ok)
    return { findings: [] };
  const holders = facts.holders.value;
  const policies = enabled(facts.policies.value);
  const groups = facts.groupMembers.value;
  const findings = [...facts.breakGlass.value].flatMap(([id, user]) => {
    if (user === null)
      return [
        finding(
          "break-glass-misconfigured",
          "critical",
          { principal: { type: "user", id, userPrincipalName: null } },
          `The break-glass account ${id} does not exist in the tenant.`,
          `Create two cloud-only emergency-access accounts as Microsoft describes (${GUIDANCE}) and set WARDEN_BREAK_GLASS_IDS to their object ids.`,
        ),
      ];
    const problems: string[] = [];
    if (user.accountEnabled === false) problems.push("is disabled");
    const ga = (holders.held.get(id) ?? []).filter(
      (r) =>
        r.kind === "entra" && r.roleId.toLowerCase() === ENTRA_ROLE.globalAdministrator && r.scope === "/",
    );
    // Permanent and direct: PIM's instance of the user's own assignment, assigned (not activated), no end.
    const instances = facts.breakGlassGa.ok ? (facts.breakGlassGa.value.get(id) ?? []) : [];
    const permanent = instances.some(
      (i) => i.directoryScopeId === "/" && i.assignmentType === "Assigned" && i.endDateTime === null,
    );
    if (!ga.some((r) => r.assignment === "active" && r.viaGroup === undefined))
      problems.push(
        ga.length === 0
          ? "is not a Global Administrator"
          : "is a Global Administrator only through PIM eligibility or a group, not by a direct assignment",
      );
    else if (facts.breakGlassGa.ok && !permanent)
      problems.push(
        "is a Global Administrator only for a time (a PIM assignment that ends), not permanently",
      );
    const subject = subjectOf(user, holders, groups);
    const locking = policies.filter((p) => canRefuse(p) && scopeOf(p, subject) === "included");
    if (locking.length > 0)
      problems.push(
        `is not excluded from ${locking.length === 1 ? "the enabled policy" : `${locking.length} enabled policies:`} ${listInWords(locking.map((p) => `"${p.displayName}"`))}, which could refuse its sign-in`,
      );
    if (problems.length === 0) return [];
    return [
      finding(
        "break-glass-misconfigured",
        "critical",
        { principal: principalOf(user) },
        `The break-glass account ${nameOf(user)} ${problems.join("; it ")}.`,
        `Enable it, assign it Global Administrator permanently (Entra admin center > Roles & admins > Global Administrator > Add assignments, type Active, permanently), and add it to each policy's Users > Exclude (${GUIDANCE}).`,
      ),
    ];
  });
  return facts.breakGlassGa.ok
    ? { findings }
    : {
        findings,
        unreadable: {
          partial: true,
          reason: `whether each Global Administrator assignment is permanent could not be read: ${facts.breakGlassGa.reason}`,
        },
      };
};

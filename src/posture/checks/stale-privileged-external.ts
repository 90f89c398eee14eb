import { isExternal } from "../../inventory/collect.js";
import type { Check } from "./shared.js";
import { cannotRead, finding, nameOf, partly, principalOf, privilegedUsers, rolesInWords } from "./shared.js";

const DAY = 86_400_000;

/**
 * `stale-privileged-external`: an external admin with no sign-in for `staleDays` (90 by default). An
 * unused privileged guest is a standing door: nobody notices when someone else starts using it. Last
 * sign-ins need Entra ID P1 and AuditLog.Read.All; without them the check says it could not read.
 */
export const stalePrivilegedExternal: Check = (facts) => {
  if (!facts.holders.ok) return cannotRead("The privileged role holders", facts.holders);
  const holders = facts.holders.value;
  if (!holders.signInsRead)
    return cannotRead("Last sign-ins (signInActivity)", {
      ok: false,
      reason: holders.signInsUnreadable ?? "refused",
    });
  const cutoff = facts.now - facts.staleDays * DAY;
  const findings = privilegedUsers(holders)
    .filter(({ user }) => isExternal(user))
    .flatMap(({ user, roles }) => {
      const last = Date.parse(user.signInActivity?.lastSuccessfulSignInDateTime ?? "");
      const created = Date.parse(user.createdDateTime ?? "");
      if (Number.isFinite(last) ? last >= cutoff : !Number.isFinite(created) || created >= cutoff) return [];
      const when = Number.isFinite(last)
        ? `last signed in ${Math.floor((facts.now - last) / DAY)} days ago`
        : "has no successful sign-in on record";
      return [
        finding(
          "stale-privileged-external",
          "medium",
          { principal: principalOf(user) },
          `${nameOf(user)} holds ${rolesInWords(roles)} and ${when} (more than ${facts.staleDays}).`,
          "Remove the account's roles, or the account, if nobody needs it: Entra admin center > Users > the user > Assigned roles; Azure portal > Access control (IAM); or DELETE https://graph.microsoft.com/v1.0/users/{id}",
        ),
      ];
    });
  return partly(findings, holders);
};

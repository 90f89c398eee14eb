import type { Check } from "./shared.js";
import { cannotRead, finding, rolesInWords } from "./shared.js";

const FIX =
  "Remove the roles they do not need: Entra admin center > Roles & admins > the role > Assignments (Active and Eligible) > Remove; Azure portal > the subscription > Access control (IAM) > Role assignments > Remove; or DELETE https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/{id} and DELETE https://management.azure.com/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01";

/**
 * `guest-privileged`: an external account (guest, or a member from another tenant) holding admin rights,
 * from the inventory. The takeover's guest is one; a partner's admin may be another, which only the
 * tenant's admins can tell apart.
 */
export const guestPrivileged: Check = (facts) => {
  if (!facts.inventory.ok) return cannotRead("The external-admin inventory", facts.inventory);
  if (!facts.holders.ok) return cannotRead("The privileged role holders", facts.holders);
  const findings = facts.inventory.value.entries.map((e) => {
    const flags = [
      e.risk.riskyUser ? "flagged at risk by Identity Protection" : "",
      e.risk.promotedSoonAfterCreation ? "given privilege within two days of being created" : "",
      e.risk.recentlyCreated ? "created in the last 30 days" : "",
    ].filter((f) => f !== "");
    const who = `${e.userType === "Guest" ? "The guest" : "The external member"} ${e.userPrincipalName ?? e.id}${e.homeDomain === null ? "" : ` (home domain ${e.homeDomain})`}`;
    return finding(
      "guest-privileged",
      e.risk.riskyUser || e.risk.promotedSoonAfterCreation ? "critical" : "high",
      { principal: { type: "user", id: e.id, userPrincipalName: e.userPrincipalName } },
      `${who} holds ${rolesInWords(e.roles)}${e.invitedBy === null ? "" : `, invited by ${e.invitedBy}`}${flags.length === 0 ? "" : `; ${flags.join(", ")}`}.`,
      FIX,
    );
  });
  // The inventory's gaps: the holders' (scopes ARM refused) and its own (risky users refused).
  const gaps = facts.inventory.value.gaps;
  return gaps.length === 0
    ? { findings }
    : { findings, unreadable: { partial: true, reason: gaps.join("; ") } };
};

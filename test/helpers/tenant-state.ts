import type { SimDirectory } from "../../src/sim/tenant/directory.js";

/** The parts of the simulated tenant containment changes, in a form two moments can be compared in. */
export function tenantState(directory: SimDirectory) {
  return {
    enabled: Object.fromEntries([...directory.users.values()].map((u) => [u.id, u.accountEnabled])),
    roles: [...directory.roleAssignments.values()]
      .map((a) => `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`)
      .sort(),
    eligibilities: [...directory.eligibilities.values()]
      .map((e) => `${e.principalId}|${e.roleDefinitionId}|${e.directoryScopeId}`)
      .sort(),
    azure: [...directory.azureAssignments.values()]
      .map((a) => `${a.scope.toLowerCase()}|${a.name}|${a.principalId}|${a.roleDefinitionGuid}`)
      .sort(),
    transfers: {
      leaving: directory.policy.blockSubscriptionsLeavingTenant,
      entering: directory.policy.blockSubscriptionsIntoTenant,
    },
    groupMembers: Object.fromEntries(
      [...directory.groups.values()].map((g) => [g.mailNickname, [...g.members].sort()]),
    ),
  };
}

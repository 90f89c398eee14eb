import type { GraphDirectory, GraphEligibility, GraphRoleAssignment } from "./graph-directory.js";

/**
 * Every active assignment and eligibility of the given Entra roles, principals expanded. The short way
 * is one filtered read of each list (`roleDefinitionId in (...)`, `$top`), which not every list's page
 * in Graph's documentation shows. A 400 for it falls back to what is documented everywhere: the list
 * read whole, filtered here (issue 18, point 4). Any other failure is the caller's.
 */
export async function privilegedRoleHolders(
  graph: GraphDirectory,
  roleIds: readonly string[],
): Promise<{ active: GraphRoleAssignment[]; eligible: GraphEligibility[] }> {
  const wanted = new Set(roleIds.map((r) => r.toLowerCase()));
  const filter = `roleDefinitionId in (${roleIds.map((r) => `'${r}'`).join(",")})`;
  const keep = <T extends { roleDefinitionId: string }>(rows: T[]) =>
    rows.filter((r) => wanted.has(r.roleDefinitionId.toLowerCase()));
  const [active, eligible] = await Promise.all([
    orWhole(
      () => graph.roleAssignments(filter, true, { top: 999 }),
      () => graph.roleAssignments(undefined, true),
    ),
    orWhole(
      () => graph.eligibilities(filter, true, { top: 999 }),
      () => graph.eligibilities(undefined, true),
    ),
  ]);
  // Filtered here too: the short way's answer is held to the same test as the whole list.
  return { active: keep(active), eligible: keep(eligible) };
}

async function orWhole<T>(filtered: () => Promise<T>, whole: () => Promise<T>): Promise<T> {
  try {
    return await filtered();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 400) throw error;
    return whole();
  }
}

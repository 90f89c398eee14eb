import { odata } from "../cloud/graph-directory.js";
import type { Finding } from "../detect/finding.js";
import { AZURE_ROLE_NAMES, ENTRA_ROLE_NAMES } from "../detect/roles.js";
import { resolveUser } from "./resolve-user.js";
import type { ActionTarget, RespondContext } from "./types.js";

/**
 * ARM's `createdOn` and the Activity Log's event time of the same grant differ by seconds; a grant that
 * opens an incident is the incident's, not one held before it.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The privileges a user holds that the incident cannot show it was given: Entra roles (active or
 * eligible) that no finding of the incident saw granted to them, and Azure role assignments made before
 * the incident's first step. Disabling such a user without a click could be the attacker's way to lock a
 * legitimate admin out (issue 17, finding 3: a long-standing partner Global Administrator planned for
 * disabling because someone granted it Owner and moved the subscription), so a person decides.
 *
 * Entra's role assignments carry no creation time in Graph v1.0: a role no finding explains counts as held
 * before (deny on doubt). Azure's carry `createdOn`; one without it counts as held before too.
 */
export async function privilegesHeldBefore(
  ctx: RespondContext,
  target: ActionTarget,
  incidentStart: number,
  findings: readonly Finding[],
): Promise<string[]> {
  const user = await resolveUser(ctx, target);
  const isThem = (f: Finding) =>
    f.subject.id?.toLowerCase() === user.id.toLowerCase() ||
    (typeof user.userPrincipalName === "string" &&
      f.subject.userPrincipalName?.toLowerCase() === user.userPrincipalName.toLowerCase());
  const grantedEntra = new Set(
    findings
      .filter(isThem)
      .flatMap((f) => f.grants ?? [])
      .flatMap((g) => (g.kind === "directory-role" ? [g.roleTemplateId.toLowerCase()] : [])),
  );
  const filter = `principalId eq ${odata(user.id)}`;
  const [active, eligible, azure] = await Promise.all([
    ctx.graph.roleAssignments(filter),
    ctx.graph.eligibilities(filter),
    ctx.subscriptions().then((subscriptions) => ctx.rbac.assignments(subscriptions, user.id)),
  ]);
  const entra = [...active, ...eligible]
    .filter((a) => !grantedEntra.has(a.roleDefinitionId.toLowerCase()))
    .map((a) => `${ENTRA_ROLE_NAMES[a.roleDefinitionId] ?? a.roleDefinitionId} (Entra role)`);
  const azureBefore = azure
    .filter((a) => a.createdOn === undefined || Date.parse(a.createdOn) < incidentStart - CLOCK_SKEW_MS)
    .map((a) => {
      const guid = a.roleDefinitionId.split("/").pop() ?? a.roleDefinitionId;
      const since = a.createdOn === undefined ? "" : ` since ${a.createdOn.slice(0, 10)}`;
      return `${AZURE_ROLE_NAMES[guid] ?? guid} at ${a.scope}${since}`;
    });
  return [...new Set([...entra, ...azureBefore])];
}

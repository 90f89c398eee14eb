import type { GraphUser } from "../cloud/graph-directory.js";
import { odata } from "../cloud/graph-directory.js";
import { privilegedRoleHolders } from "../cloud/privileged-role-holders.js";
import type { Finding } from "../detect/finding.js";
import { AZURE_ROLE_NAMES, DEFAULT_PRIVILEGED_ENTRA_ROLES, ENTRA_ROLE_NAMES } from "../detect/roles.js";
import { resolveUser } from "./resolve-user.js";
import type { ActionTarget, RespondContext } from "./types.js";

/**
 * ARM's `createdOn`, Graph's `createdDateTime` and the logs' event times of the same change differ by
 * seconds; a grant or an account that opens an incident is the incident's, not one held before it.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When the incident began for this user: its first finding about them (as subject or actor), and never
 * before the incident's own first step. What happened before it is "before the incident".
 */
export function incidentStartFor(
  user: GraphUser,
  incidentStart: number,
  findings: readonly Finding[],
): number {
  const about = findings.filter((f) => isAbout(f, user)).map((f) => f.time);
  return Math.max(incidentStart, ...(about.length === 0 ? [] : [Math.min(...about)]));
}

/** An account created once the incident had begun: it can hold nothing from before it. */
export function createdDuring(user: GraphUser, start: number): boolean {
  const created = user.createdDateTime === null ? Number.NaN : Date.parse(user.createdDateTime);
  return created >= start - CLOCK_SKEW_MS;
}

function isAbout(f: Finding, user: GraphUser): boolean {
  const id = user.id.toLowerCase();
  const upn = typeof user.userPrincipalName === "string" ? user.userPrincipalName.toLowerCase() : undefined;
  return [f.subject, f.actor].some(
    (who) =>
      who !== undefined &&
      (who.id?.toLowerCase() === id || (upn !== undefined && who.userPrincipalName?.toLowerCase() === upn)),
  );
}

/**
 * The privileges a user holds that the incident cannot show it was given, so that disabling them is a
 * person's decision: for an account that existed before the incident, any Entra role (directly, or a
 * privileged one through a group), an Azure role assignment made before the incident (to it or to a group
 * it is in), or roles Warden can no longer read (a subscription the incident names that has left the
 * directory). Disabling such a user without a click could be the attacker's way to lock a
 * legitimate admin out (issue 17, finding 3). An account created during the incident holds nothing from
 * before it, whatever roles it was given since.
 *
 * Entra's role assignments carry no creation time in Graph v1.0, so on an older account every Entra role
 * counts as held before, even one a finding saw granted (deny on doubt: the same role granted at an
 * administrative unit's scope would otherwise hide a tenant-wide one). Azure's carry `createdOn`; one
 * without it counts as held before too.
 */
export async function privilegesHeldBefore(
  ctx: RespondContext,
  target: ActionTarget,
  incidentStart: number,
  findings: readonly Finding[],
): Promise<string[]> {
  const user = await resolveUser(ctx, target);
  const start = incidentStartFor(user, incidentStart, findings);
  if (createdDuring(user, start)) return [];
  const filter = `principalId eq ${odata(user.id)}`;
  const subscriptions = await ctx.subscriptions();
  const [active, eligible, azure, azureEligible, privileged, everyAzure] = await Promise.all([
    ctx.graph.roleAssignments(filter),
    ctx.graph.eligibilities(filter),
    ctx.rbac.assignments(subscriptions, user.id),
    ctx.rbac.eligibilitiesAndGaps(subscriptions, user.id),
    privilegedRoleHolders(ctx.graph, DEFAULT_PRIVILEGED_ENTRA_ROLES),
    ctx.rbac.assignments(subscriptions),
  ]);
  const { active: groupActive, eligible: groupEligible } = privileged;
  const entraName = (id: string) => ENTRA_ROLE_NAMES[id] ?? id;
  const azureName = (definitionId: string) => {
    const guid = definitionId.split("/").pop() ?? definitionId;
    return AZURE_ROLE_NAMES[guid] ?? guid;
  };
  const held = [
    // Whatever a finding says was granted: Entra gives no time, and a grant of the same role elsewhere
    // (an administrative unit, an eligibility) would otherwise hide the standing one.
    ...[...active, ...eligible].map((a) => `${entraName(a.roleDefinitionId)} (Entra role)`),
    ...azure
      .filter((a) => a.createdOn === undefined || Date.parse(a.createdOn) < start - CLOCK_SKEW_MS)
      .map(
        (a) =>
          `${azureName(a.roleDefinitionId)} at ${a.scope}${a.createdOn === undefined ? "" : ` since ${a.createdOn.slice(0, 10)}`}`,
      ),
    // Eligible through Azure PIM: one activation from the role, and as much the admin's own.
    ...azureEligible.eligibilities
      .filter((e) => e.createdOn === undefined || Date.parse(e.createdOn) < start - CLOCK_SKEW_MS)
      .map((e) => `${azureName(e.roleDefinitionId)} at ${e.scope} (eligible through PIM)`),
  ];
  // Roles held through a group: any group holding a privileged Entra role or an Azure assignment that
  // the user is in, at any depth. What a group grants is not the incident's to explain.
  const groups = new Map<string, string>();
  for (const a of [...groupActive, ...groupEligible]) {
    if (a.principal?.["@odata.type"] === "#microsoft.graph.group")
      groups.set(a.principalId, `${entraName(a.roleDefinitionId)} (Entra role)`);
  }
  for (const a of everyAzure) {
    if (a.principalType === "Group")
      groups.set(a.principalId, `${azureName(a.roleDefinitionId)} at ${a.scope}`);
  }
  for (const [groupId, role] of groups) {
    const members = await ctx.graph.transitiveMemberIds(groupId);
    if (members.some((m) => m.toLowerCase() === user.id.toLowerCase()))
      held.push(`${role} through group ${groupId}`);
  }
  // A subscription the incident names that has left the directory: its roles can no longer be read.
  const listed = new Set(subscriptions.map((s) => s.toLowerCase()));
  for (const sub of new Set(findings.filter((f) => isAbout(f, user)).flatMap((f) => f.subscriptionIds))) {
    if (!listed.has(sub.toLowerCase()))
      held.push(`roles on subscription ${sub}, which has left the directory`);
  }
  return [...new Set(held)];
}

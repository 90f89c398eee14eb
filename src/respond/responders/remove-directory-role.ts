import type { BatchStep } from "../../cloud/graph-batch.js";
import { odata } from "../../cloud/graph-directory.js";
import { ENTRA_ROLE_NAMES } from "../../detect/roles.js";
import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { PrivilegeLimit, Responder } from "../types.js";

interface Grant {
  id: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

const roleName = (id: string) => ENTRA_ROLE_NAMES[id] ?? id;

/** Removes the subject's active Entra role assignments (direct or PIM-activated) and its PIM eligibilities. */
export const removeDirectoryRole: Responder = {
  name: "remove-directory-role",
  permission: "RoleManagement.ReadWrite.Directory and RoleEligibilitySchedule.ReadWrite.Directory",
  targets: "user",
  async plan(ctx, target) {
    const user = await resolveUser(ctx, target);
    const filter = `principalId eq ${odata(user.id)}`;
    const [allActive, allEligible] = await Promise.all([
      ctx.graph.roleAssignments(filter),
      ctx.graph.eligibilities(filter),
    ]);
    // Only the roles the incident saw granted (issue 17, finding 3); every role when unlimited (a finding
    // stored before findings named their grants).
    const named = namedRoles(target.kind === "user" ? target.limit : undefined);
    const isNamed = (g: Grant) => named === undefined || named.has(g.roleDefinitionId.toLowerCase());
    const active = allActive.filter(isNamed);
    const eligible = allEligible.filter(isNamed);
    const pick = (g: Grant): Grant => ({
      id: g.id,
      roleDefinitionId: g.roleDefinitionId,
      directoryScopeId: g.directoryScopeId,
    });
    const changes = [
      ...active.map(
        (a) =>
          `Remove ${labelOf(user)} from ${roleName(a.roleDefinitionId)} (active, scope ${a.directoryScopeId})`,
      ),
      ...eligible.map(
        (e) =>
          `Remove ${labelOf(user)}'s eligibility for ${roleName(e.roleDefinitionId)} (PIM, scope ${e.directoryScopeId})`,
      ),
    ];
    return {
      needed: changes.length > 0,
      changes:
        changes.length > 0
          ? changes
          : [
              named === undefined
                ? `${labelOf(user)} holds no Entra role`
                : `${labelOf(user)} holds none of the Entra roles the incident names (${[...named].map(roleName).join(", ")})`,
            ],
      data: { userId: user.id, active: active.map(pick), eligible: eligible.map(pick) },
    };
  },
  async execute(ctx, _target, plan) {
    const userId = String(plan.data["userId"]);
    const active = plan.data["active"] as Grant[];
    const eligible = plan.data["eligible"] as Grant[];
    const steps: BatchStep[] = [
      ...active.map(
        (a, i): BatchStep => ({
          id: `active-${i}`,
          method: "DELETE",
          url: `/roleManagement/directory/roleAssignments/${encodeURIComponent(a.id)}`,
        }),
      ),
      ...eligible.map(
        (e, i): BatchStep => ({
          id: `eligible-${i}`,
          method: "POST",
          url: "/roleManagement/directory/roleEligibilityScheduleRequests",
          body: {
            action: "adminRemove",
            principalId: userId,
            roleDefinitionId: e.roleDefinitionId,
            directoryScopeId: e.directoryScopeId,
            justification: "Warden containment",
          },
        }),
      ),
    ];
    // Already gone (a retry after a crash, or someone was quicker) is what we wanted.
    const requestIds = await batchWrites(ctx, steps, (step, answer) =>
      step.method === "DELETE"
        ? answer.status === 404
        : answer.status === 400 && JSON.stringify(answer.body).includes("RoleAssignmentDoesNotExist"),
    );
    return { changed: { userId, active, eligible }, requestIds };
  },
  async verify(ctx, _target, plan) {
    const userId = String(plan.data["userId"]);
    const filter = `principalId eq ${odata(userId)}`;
    const removed = (list: Grant[], now: Grant[]) =>
      list.every(
        (g) =>
          !now.some(
            (n) => n.roleDefinitionId === g.roleDefinitionId && n.directoryScopeId === g.directoryScopeId,
          ),
      );
    return (
      removed(plan.data["active"] as Grant[], await ctx.graph.roleAssignments(filter)) &&
      removed(plan.data["eligible"] as Grant[], await ctx.graph.eligibilities(filter))
    );
  },
  async undo(ctx, _target, changed) {
    const userId = String(changed["userId"]);
    const active = (changed["active"] as Grant[] | undefined) ?? [];
    const eligible = (changed["eligible"] as Grant[] | undefined) ?? [];
    // Each grant comes back unless the principal holds it again already (same role, same scope).
    const held = await ctx.graph.roleAssignments(`principalId eq ${odata(userId)}`);
    for (const a of notIn(active, held)) {
      await ctx.graph.createRoleAssignment({
        principalId: userId,
        roleDefinitionId: a.roleDefinitionId,
        directoryScopeId: a.directoryScopeId,
      });
    }
    const eligibleNow = await ctx.graph.eligibilities(`principalId eq ${odata(userId)}`);
    for (const e of notIn(eligible, eligibleNow)) {
      await ctx.graph.requestEligibility(
        "adminAssign",
        { principalId: userId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId },
        "Warden undo",
      );
    }
    return `restored ${active.length} role assignment(s) and ${eligible.length} eligibility(ies)`;
  },
};

/** The grants not among `held`: same role and scope is the same grant, whatever its id. */
function notIn(grants: readonly Grant[], held: readonly Omit<Grant, "id">[]): Grant[] {
  return grants.filter(
    (g) =>
      !held.some(
        (h) => h.roleDefinitionId === g.roleDefinitionId && h.directoryScopeId === g.directoryScopeId,
      ),
  );
}

/** The role templates a limit names (a built-in role's definition id is its template id); undefined: all. */
function namedRoles(limit: PrivilegeLimit | undefined): Set<string> | undefined {
  if (limit?.grants === undefined) return undefined;
  return new Set(
    limit.grants.flatMap((g) => (g.kind === "directory-role" ? [g.roleTemplateId.toLowerCase()] : [])),
  );
}

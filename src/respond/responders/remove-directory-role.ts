import { classifyFailure } from "../../cloud/errors.js";
import type { BatchStep } from "../../cloud/graph-batch.js";
import { type GraphDirectory, type GraphEligibility, odata } from "../../cloud/graph-directory.js";
import {
  type AssignmentInstance,
  assignmentInstances,
  entraExpirationRules,
  requestActiveAssignment,
  requestEligibility,
} from "../../cloud/pim.js";
import { ENTRA_ROLE_NAMES } from "../../detect/roles.js";
import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import { restoredExpiry, scheduleEnd } from "../restore-expiry.js";
import type { PrivilegeLimit, Responder } from "../types.js";

interface Grant {
  id: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /**
   * When it ends (null: never): an eligibility's, or a PIM-made active assignment's. Undo gives it back
   * no longer than that, within the role's settings (issue 18, point 9).
   */
  endDateTime?: string | null;
  /**
   * An active assignment PIM schedules (the tenant has PIM: every active assignment has a schedule
   * instance, however it was made). It is removed through an adminRemove schedule request, which Graph
   * takes for any of them, where DELETE is refused for one PIM made (activated, time-bound, or assigned
   * through PIM). Assigned or Activated, as the instance says.
   */
  pim?: { assignmentType: string };
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
    const [allActive, allEligible, instances] = await Promise.all([
      ctx.graph.roleAssignments(filter),
      ctx.graph.eligibilities(filter),
      scheduleInstances(ctx.graph, filter),
    ]);
    // Only the roles the incident saw granted (issue 17, finding 3); every role when unlimited (a finding
    // stored before findings named their grants).
    const named = namedRoles(target.kind === "user" ? target.limit : undefined);
    const isNamed = (g: Grant) => named === undefined || named.has(g.roleDefinitionId.toLowerCase());
    const active = allActive.filter(isNamed);
    const eligible = allEligible.filter(isNamed);
    const pickActive = (g: Grant): Grant => {
      const instance = instances.find(
        (i) =>
          i.roleAssignmentOriginId === g.id ||
          (i.roleDefinitionId === g.roleDefinitionId && i.directoryScopeId === g.directoryScopeId),
      );
      return {
        id: g.id,
        roleDefinitionId: g.roleDefinitionId,
        directoryScopeId: g.directoryScopeId,
        ...(instance === undefined
          ? {}
          : { pim: { assignmentType: instance.assignmentType }, endDateTime: instance.endDateTime }),
      };
    };
    const pickEligible = (g: GraphEligibility): Grant => ({
      id: g.id,
      roleDefinitionId: g.roleDefinitionId,
      directoryScopeId: g.directoryScopeId,
      endDateTime: g.scheduleInfo === undefined ? null : scheduleEnd(g.scheduleInfo),
    });
    const activeGrants = active.map(pickActive);
    const changes = [
      ...activeGrants.map(
        (a) =>
          `Remove ${labelOf(user)} from ${roleName(a.roleDefinitionId)} (${howActive(a)}, scope ${a.directoryScopeId})`,
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
      data: { userId: user.id, active: activeGrants, eligible: eligible.map(pickEligible) },
    };
  },
  async execute(ctx, _target, plan) {
    const userId = String(plan.data["userId"]);
    const active = plan.data["active"] as Grant[];
    const eligible = plan.data["eligible"] as Grant[];
    const steps: BatchStep[] = [
      ...active.map(
        (a, i): BatchStep =>
          a.pim === undefined
            ? {
                id: `active-${i}`,
                method: "DELETE",
                url: `/roleManagement/directory/roleAssignments/${encodeURIComponent(a.id)}`,
              }
            : {
                id: `active-${i}`,
                method: "POST",
                url: "/roleManagement/directory/roleAssignmentScheduleRequests",
                body: {
                  action: "adminRemove",
                  principalId: userId,
                  roleDefinitionId: a.roleDefinitionId,
                  directoryScopeId: a.directoryScopeId,
                  justification: "Warden containment",
                },
              },
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
    // Already gone (someone was quicker, or a retry after a crash) is what we wanted; but what Warden did
    // not take away is not Warden's to give back on undo: an attacker's grant would come back with it.
    const alreadyGone = new Set<string>();
    const requestIds = await batchWrites(ctx, steps, (step, answer) => {
      const gone =
        step.method === "DELETE"
          ? answer.status === 404
          : answer.status === 400 && JSON.stringify(answer.body).includes("RoleAssignmentDoesNotExist");
      if (gone) alreadyGone.add(step.id);
      return gone;
    });
    const taken = <T>(list: T[], prefix: string) => list.filter((_, i) => !alreadyGone.has(`${prefix}-${i}`));
    return {
      changed: { userId, active: taken(active, "active"), eligible: taken(eligible, "eligible") },
      requestIds,
      ...(alreadyGone.size === 0
        ? {}
        : {
            note: `${alreadyGone.size} grant(s) were already gone when Warden came: undo will not give them back`,
          }),
    };
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
    const now = Date.now();
    const rules = new Map<string, Awaited<ReturnType<typeof entraExpirationRules>>>();
    const rulesOf = async (roleId: string) => {
      if (!rules.has(roleId)) rules.set(roleId, await entraExpirationRules(ctx.graph, roleId));
      return rules.get(roleId) ?? {};
    };
    const lapsed: string[] = [];
    let restoredActive = 0;
    let restoredEligible = 0;
    // Each grant comes back unless the principal holds it again already (same role, same scope).
    const held = await ctx.graph.roleAssignments(`principalId eq ${odata(userId)}`);
    for (const a of notIn(active, held)) {
      const role = {
        principalId: userId,
        roleDefinitionId: a.roleDefinitionId,
        directoryScopeId: a.directoryScopeId,
      };
      // Permanent and assigned (not an activation): given back as it was, a permanent assignment.
      if (a.pim === undefined || (a.pim.assignmentType !== "Activated" && (a.endDateTime ?? null) === null)) {
        await ctx.graph.createRoleAssignment(role);
        restoredActive++;
        continue;
      }
      // PIM's: given back through PIM, until it would have ended anyway (an activation included).
      const expiry = restoredExpiry(
        a.endDateTime ?? null,
        (await rulesOf(a.roleDefinitionId)).assignment,
        now,
      );
      if (expiry === "expired") {
        lapsed.push(`${roleName(a.roleDefinitionId)} (active until ${a.endDateTime})`);
        continue;
      }
      await requestActiveAssignment(ctx.graph, "adminAssign", role, "Warden undo", expiry);
      restoredActive++;
    }
    const eligibleNow = await ctx.graph.eligibilities(`principalId eq ${odata(userId)}`);
    for (const e of notIn(eligible, eligibleNow)) {
      const expiry = restoredExpiry(
        e.endDateTime ?? null,
        (await rulesOf(e.roleDefinitionId)).eligibility,
        now,
      );
      if (expiry === "expired") {
        lapsed.push(`${roleName(e.roleDefinitionId)} (eligible until ${e.endDateTime})`);
        continue;
      }
      await requestEligibility(
        ctx.graph,
        "adminAssign",
        { principalId: userId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId },
        "Warden undo",
        expiry,
      );
      restoredEligible++;
    }
    const notBack =
      lapsed.length === 0 ? "" : `; not restored, they would have ended by now: ${lapsed.join(", ")}`;
    return `restored ${restoredActive} role assignment(s) and ${restoredEligible} eligibility(ies)${notBack}`;
  },
};

/**
 * The subject's active assignments as PIM schedules them. A tenant without PIM (no Entra ID P2) or a
 * deployment without the permission answers 400 or 403: every assignment is then a plain one, removed by
 * DELETE, and one PIM made fails visibly there rather than be skipped.
 */
async function scheduleInstances(graph: GraphDirectory, filter: string): Promise<AssignmentInstance[]> {
  try {
    return await assignmentInstances(graph, filter);
  } catch (error) {
    const status = classifyFailure(error).status;
    if (status === 400 || status === 403) return [];
    throw error;
  }
}

/** How an active grant is held, as the plan says it. */
function howActive(a: Grant): string {
  if (a.pim?.assignmentType === "Activated") return `activated through PIM until ${a.endDateTime}`;
  return a.endDateTime == null ? "active" : `active through PIM until ${a.endDateTime}`;
}

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

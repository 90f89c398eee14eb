import type { AzureAssignment } from "../../cloud/arm-rbac.js";
import { AZURE_ROLE_NAMES, scopeLevel } from "../../detect/roles.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { Responder } from "../types.js";

const roleName = (definitionId: string) => {
  const guid = definitionId.split("/").pop() ?? definitionId;
  return AZURE_ROLE_NAMES[guid] ?? guid;
};

/** Deletes the subject's Azure role assignments at subscription, management-group and root scope. */
export const removeAzureRole: Responder = {
  name: "remove-azure-role",
  permission: "Owner, User Access Administrator or Role Based Access Control Administrator at the scopes",
  targets: "user",
  async plan(ctx, target) {
    const user = await resolveUser(ctx, target);
    const all = await ctx.rbac.assignments(await ctx.subscriptions(), user.id);
    const broad = all.filter((a) =>
      ["subscription", "management-group", "root"].includes(scopeLevel(a.scope)),
    );
    return {
      needed: broad.length > 0,
      changes:
        broad.length > 0
          ? broad.map(
              (a) => `Delete ${labelOf(user)}'s ${roleName(a.roleDefinitionId)} assignment at ${a.scope}`,
            )
          : [`${labelOf(user)} holds no Azure role at subscription, management group or root scope`],
      data: { userId: user.id, assignments: broad },
    };
  },
  async execute(ctx, _target, plan) {
    const assignments = plan.data["assignments"] as AzureAssignment[];
    const requestIds: string[] = [];
    for (const a of assignments) {
      // ARM answers 204 for an assignment already gone: deleting again is harmless.
      await ctx.rbac.deleteAssignment(a.id, (id) => requestIds.push(id));
    }
    return { changed: { assignments }, requestIds };
  },
  async verify(ctx, _target, plan) {
    for (const a of plan.data["assignments"] as AzureAssignment[]) {
      if ((await ctx.rbac.assignment(a.id)) !== undefined) return false;
    }
    return true;
  },
  async undo(ctx, _target, changed) {
    const assignments = (changed["assignments"] as AzureAssignment[] | undefined) ?? [];
    for (const a of assignments) {
      if ((await ctx.rbac.assignment(a.id)) !== undefined) continue;
      const { id: _id, createdOn: _createdOn, ...same } = a;
      await ctx.rbac.createAssignment(same);
    }
    return `recreated ${assignments.length} Azure role assignment(s) with the same role, scope, principal and name`;
  },
};

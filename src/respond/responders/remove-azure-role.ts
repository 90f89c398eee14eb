import type { AzureAssignment } from "../../cloud/arm-rbac.js";
import { classifyFailure } from "../../cloud/errors.js";
import { AZURE_ROLE_NAMES, scopeLevel } from "../../detect/roles.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { RespondContext, Responder } from "../types.js";

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
    const deleted: AzureAssignment[] = [];
    const leftWithSubscription: string[] = [];
    for (const a of assignments) {
      try {
        // ARM answers 204 for an assignment already gone: deleting again is harmless.
        await ctx.rbac.deleteAssignment(a.id, (id) => requestIds.push(id));
        deleted.push(a);
      } catch (error) {
        // The subscription left the directory since the plan read it (a takeover's move completing
        // mid-containment): its assignments went with it, there is nothing left here to remove or to
        // restore. Only when the listing agrees; anything else is a failure as before.
        if (!(await leftTheDirectory(ctx, a, error))) throw error;
        leftWithSubscription.push(a.id);
      }
    }
    return {
      changed: { assignments: deleted, leftWithSubscription },
      requestIds,
      ...(leftWithSubscription.length === 0
        ? {}
        : {
            note: `${leftWithSubscription.length} assignment(s) left the directory with their subscription before they could be deleted`,
          }),
    };
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

/** Whether a delete failed because the assignment's subscription is no longer in the directory. */
async function leftTheDirectory(ctx: RespondContext, a: AzureAssignment, error: unknown): Promise<boolean> {
  const status = classifyFailure(error).status;
  // ARM: 404 SubscriptionNotFound, or 401 InvalidAuthenticationTokenTenant once it is another tenant's.
  if (status !== 404 && status !== 401) return false;
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1]?.toLowerCase();
  if (subscription === undefined) return false;
  const listed = (await ctx.subscriptions()).map((id) => id.toLowerCase());
  return !listed.includes(subscription);
}

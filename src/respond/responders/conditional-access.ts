import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { ActionName, RespondContext, Responder } from "../types.js";
import { policyBody, policyIsRight, policyRestore } from "./ca-policy.js";

interface Containment {
  name: ActionName;
  /** The group's mailNickname and display name, and the policy's display name: how Warden finds them again. */
  nickname: string;
  groupName: string;
  policyName: string;
  control: "mfa" | "block";
  what: string;
}

const REPORT_ONLY =
  "the conditional access policy is report-only (WARDEN_CA_POLICY_STATE): sign-ins are only logged, nothing is required or blocked";

/** Finds or creates the group and the policy, and puts the policy right; records what it created. */
async function ensureGroupAndPolicy(
  ctx: RespondContext,
  c: Containment,
  changed: Record<string, unknown>,
): Promise<string> {
  let group = await ctx.graph.groupByNickname(c.nickname);
  if (group === undefined) {
    group = await ctx.graph.createGroup({
      displayName: c.groupName,
      mailNickname: c.nickname,
      description: `Members are contained by Warden: ${c.what}. Managed by Warden; remove members through Warden's Undo.`,
    });
    changed["createdGroupId"] = group.id;
  }
  const groupId = group.id;
  changed["groupId"] = groupId;
  const policy = (await ctx.graph.caPolicies()).find((p) => p.displayName === c.policyName);
  if (policy === undefined) {
    changed["createdPolicyId"] = (await ctx.graph.createCaPolicy(policyBody(ctx, c, groupId))).id;
  } else if (!policyIsRight(ctx, c, policy, groupId)) {
    await ctx.graph.updateCaPolicy(policy.id, policyRestore(ctx, c, groupId));
  }
  return groupId;
}

/**
 * A containment group targeted by a conditional access policy; containing a user is adding it to the
 * group. Group and policy are created on first use (the policy in the configured state, break-glass
 * accounts excluded) and found again by name after that.
 */
export function conditionalAccessResponder(c: Containment): Responder {
  return {
    name: c.name,
    permission:
      "Policy.Read.All, Policy.ReadWrite.ConditionalAccess and GroupMember.ReadWrite.All (Group.Create to create the group)",
    targets: "user",
    async plan(ctx, target) {
      const user = await resolveUser(ctx, target);
      const group = await ctx.graph.groupByNickname(c.nickname);
      const policy = (await ctx.graph.caPolicies()).find((p) => p.displayName === c.policyName);
      const member =
        group === undefined ? false : (await ctx.graph.groupMemberIds(group.id)).includes(user.id);
      const changes: string[] = [];
      if (group === undefined) changes.push(`Create the security group "${c.groupName}"`);
      if (policy === undefined) {
        changes.push(
          `Create the conditional access policy "${c.policyName}" (${ctx.settings.policyState}): ${c.what} for the group's members, all cloud apps, break-glass accounts excluded`,
        );
      } else if (group === undefined || !policyIsRight(ctx, c, policy, group.id)) {
        changes.push(
          `Put "${c.policyName}" back as Warden wrote it (it was changed): the group only, every app and client, the break-glass accounts excluded and nothing else, ${c.what}`,
        );
      }
      if (!member) changes.push(`Add ${labelOf(user)} to "${c.groupName}": ${c.what} at every sign-in`);
      // Conditional access answers one request a second per tenant: what this read found in place is not
      // read again by execute and verify (each run of an action plans afresh just before it executes).
      const inPlace = group !== undefined && policy !== undefined && policyIsRight(ctx, c, policy, group.id);
      return {
        needed: changes.length > 0,
        changes: changes.length > 0 ? changes : [`${labelOf(user)} is already in "${c.groupName}"`],
        data: {
          userId: user.id,
          ...(inPlace ? { groupInPlace: group.id } : {}),
          // Report-only logs what the policy would do and enforces nothing (issue 18, point 5): the
          // action is recorded as not enforced, and the incident is not contained on its strength.
          ...(ctx.settings.policyState === "enabled" ? {} : { notEnforced: REPORT_ONLY }),
        },
      };
    },
    async execute(ctx, _target, plan) {
      const userId = String(plan.data["userId"]);
      const changed: Record<string, unknown> = { userId };
      const inPlace = plan.data["groupInPlace"];
      const groupId =
        typeof inPlace === "string"
          ? inPlace
          : await ctx.exclusive(`containment:${c.nickname}`, () => ensureGroupAndPolicy(ctx, c, changed));
      changed["groupId"] = groupId;
      // Adding a member twice is Graph's 400 "already exist": already contained is what we wanted.
      const requestIds = await batchWrites(
        ctx,
        [
          {
            id: "add",
            method: "POST",
            url: `/groups/${groupId}/members/$ref`,
            body: { "@odata.id": `${ctx.settings.graphUrl}/v1.0/directoryObjects/${userId}` },
          },
        ],
        (_step, answer) => answer.status === 400 && JSON.stringify(answer.body).includes("already exist"),
      );
      changed["addedToGroup"] = true;
      return { changed, requestIds };
    },
    async verify(ctx, _target, plan) {
      const group = await ctx.graph.groupByNickname(c.nickname);
      if (group === undefined) return false;
      const member = (await ctx.graph.groupMemberIds(group.id)).includes(String(plan.data["userId"]));
      // The policy is read back when execute created or corrected it; one the plan found right, moments
      // before, execute did not touch.
      if (!member || plan.data["groupInPlace"] === group.id) return member;
      const policy = (await ctx.graph.caPolicies()).find((p) => p.displayName === c.policyName);
      return policy !== undefined && policyIsRight(ctx, c, policy, group.id);
    },
    async undo(ctx, _target, changed) {
      const groupId = changed["groupId"];
      const userId = String(changed["userId"]);
      if (typeof groupId !== "string" || changed["addedToGroup"] !== true) return "nothing to restore";
      if ((await ctx.graph.groupMemberIds(groupId)).includes(userId))
        await ctx.graph.removeGroupMember(groupId, userId);
      // The group and policy stay: other contained users may be in the group, and they target no one else.
      return `removed ${userId} from "${c.groupName}"`;
    },
  };
}

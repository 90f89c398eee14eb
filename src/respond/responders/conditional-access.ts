import { classifyFailure, REPLICATION_GRACE_MS, ReplicationLag } from "../../cloud/errors.js";
import type { ContainmentObjects, KeptObjects } from "../../store/containment-objects-repo.js";
import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { ActionName, RespondContext, Responder } from "../types.js";
import { policyBody, policyIsRight, policyRestore } from "./ca-policy.js";

interface Containment {
  name: ActionName;
  /** The group's mailNickname and display name, and the policy's display name (Warden finds them again by the ids it keeps). */
  nickname: string;
  groupName: string;
  policyName: string;
  control: "mfa" | "block";
  what: string;
}

const REPORT_ONLY =
  "the conditional access policy is report-only (WARDEN_CA_POLICY_STATE): sign-ins are only logged, nothing is required or blocked";

/**
 * How long after Warden created an object a "not there" answer is taken for replication lag, not for a
 * deletion: Microsoft speaks of seconds ("Designing for eventual consistency for Microsoft Entra"). Two
 * minutes leaves room for a slow replica, and bounds how long a deletion can pass for lag.
 */
const recent = (at: number | undefined) => at !== undefined && Date.now() - at < REPLICATION_GRACE_MS;

/** The group Warden keeps, as the tenant shows it now (by id, never by name). */
async function keptGroup(ctx: RespondContext, kept: KeptObjects) {
  const group = kept.groupId === undefined ? undefined : await ctx.graph.group(kept.groupId);
  // Created moments ago and missing: it is there, only not yet on the replica that answered.
  const replicating = group === undefined && recent(kept.groupCreatedAt);
  return { groupId: group !== undefined || replicating ? kept.groupId : undefined, replicating };
}

/** The policy Warden keeps, as the tenant shows it now. */
async function keptPolicy(ctx: RespondContext, kept: KeptObjects) {
  const policy = kept.policyId === undefined ? undefined : await ctx.graph.caPolicy(kept.policyId);
  return { policy, replicating: policy === undefined && recent(kept.policyCreatedAt) };
}

/** Both, for planning and checking. */
async function lookUp(ctx: RespondContext, c: Containment, objects: ContainmentObjects) {
  const kept = await objects.kept(c.control);
  const group = await keptGroup(ctx, kept);
  const policy = await keptPolicy(ctx, kept);
  return {
    kept,
    groupId: group.groupId,
    groupReplicating: group.replicating,
    policy: policy.policy,
    policyReplicating: policy.replicating,
  };
}

/**
 * The group, created if Warden has none (or the one it made is gone), its id kept in the same lock's
 * transaction, which commits before the policy is made: a failure making the policy does not lose it.
 */
async function ensureGroup(
  ctx: RespondContext,
  c: Containment,
  objects: ContainmentObjects,
  changed: Record<string, unknown>,
): Promise<string> {
  const kept = await objects.kept(c.control);
  const found = await keptGroup(ctx, kept);
  if (found.groupId !== undefined) return found.groupId;
  const group = await ctx.graph.createGroup({
    displayName: c.groupName,
    mailNickname: c.nickname,
    description: `Members are contained by Warden: ${c.what}. Managed by Warden; remove members through Warden's Undo.`,
  });
  await objects.keep(c.control, "group", group.id);
  changed["createdGroupId"] = group.id;
  if (kept.groupId !== undefined) changed["replacedDeletedGroupId"] = kept.groupId;
  return group.id;
}

/**
 * Graph refuses to create a conditional access policy (400) while Security Defaults is on, and in a tenant
 * without Entra ID P1; its words vary. The failure says both causes and what to do, with Graph's own.
 */
function explainedPolicyRefusal(error: unknown): unknown {
  const failure = classifyFailure(error);
  if (failure.status !== 400) return error;
  return Object.assign(
    new Error(
      `Graph refused to create the conditional access policy (${failure.code}: ${failure.message}). Turn Security Defaults off (Entra ID > Overview > Properties > Manage security defaults), and check the tenant has Entra ID P1 or P2.`,
    ),
    { statusCode: 400, code: failure.code },
  );
}

/** The policy targeting `groupId`: created if Warden has none (or it is gone), put right if changed. */
async function ensurePolicy(
  ctx: RespondContext,
  c: Containment,
  objects: ContainmentObjects,
  groupId: string,
  changed: Record<string, unknown>,
): Promise<void> {
  const kept = await objects.kept(c.control);
  const found = await keptPolicy(ctx, kept);
  if (found.policy === undefined && !found.replicating) {
    const policy = await ctx.graph.createCaPolicy(policyBody(ctx, c, groupId)).catch((error: unknown) => {
      throw explainedPolicyRefusal(error);
    });
    await objects.keep(c.control, "policy", policy.id);
    changed["createdPolicyId"] = policy.id;
    if (kept.policyId !== undefined) changed["replacedDeletedPolicyId"] = kept.policyId;
  } else if (found.policy !== undefined && !policyIsRight(ctx, c, found.policy, groupId)) {
    await ctx.graph.updateCaPolicy(found.policy.id, policyRestore(ctx, c, groupId));
  }
}

/**
 * A containment group targeted by a conditional access policy; containing a user is adding it to the
 * group. Group and policy are created on first use (the policy in the configured state, break-glass
 * accounts excluded), their ids kept (containment_objects), and read by id after that.
 */
export function conditionalAccessResponder(c: Containment): Responder {
  return {
    name: c.name,
    permission:
      "Policy.Read.All, Policy.ReadWrite.ConditionalAccess and GroupMember.ReadWrite.All (Group.Create to create the group)",
    targets: "user",
    async plan(ctx, target) {
      const user = await resolveUser(ctx, target);
      const found = await lookUp(ctx, c, ctx.objects);
      const { groupId, policy } = found;
      const member =
        groupId === undefined || found.groupReplicating
          ? false
          : (await ctx.graph.groupMemberIds(groupId)).includes(user.id);
      const changes: string[] = [];
      if (groupId === undefined) {
        changes.push(
          found.kept.groupId === undefined
            ? `Create the security group "${c.groupName}"`
            : `Create the security group "${c.groupName}" again: the one Warden created (${found.kept.groupId}) is gone`,
        );
      }
      if (policy === undefined && !found.policyReplicating) {
        changes.push(
          `Create the conditional access policy "${c.policyName}" (${ctx.settings.policyState}): ${c.what} for the group's members, all cloud apps, break-glass accounts excluded${found.kept.policyId === undefined ? "" : ` (the one Warden created, ${found.kept.policyId}, is gone)`}`,
        );
      } else if (policy !== undefined && (groupId === undefined || !policyIsRight(ctx, c, policy, groupId))) {
        changes.push(
          `Put "${c.policyName}" back as Warden wrote it (it was changed): the group only, every app and client, the break-glass accounts excluded and nothing else, ${c.what}`,
        );
      }
      if (!member) changes.push(`Add ${labelOf(user)} to "${c.groupName}": ${c.what} at every sign-in`);
      // Conditional access answers one request a second per tenant: what this read found in place is not
      // read again by execute (each run of an action plans afresh just before it executes); verify reads
      // the policy once more, as it must.
      const inPlace =
        groupId !== undefined &&
        !found.groupReplicating &&
        policy !== undefined &&
        policyIsRight(ctx, c, policy, groupId);
      return {
        needed: changes.length > 0,
        changes: changes.length > 0 ? changes : [`${labelOf(user)} is already in "${c.groupName}"`],
        data: {
          userId: user.id,
          ...(inPlace ? { groupInPlace: groupId } : {}),
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
      let groupId: string;
      if (typeof inPlace === "string") groupId = inPlace;
      else {
        // Each under the lock shared by every Warden process, in a transaction of its own.
        const lock = `containment:${c.nickname}`;
        groupId = await ctx.exclusive(lock, (objects) => ensureGroup(ctx, c, objects, changed));
        await ctx.exclusive(lock, (objects) => ensurePolicy(ctx, c, objects, groupId, changed));
      }
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
      ).catch(async (error: unknown) => {
        // A group created moments ago is not on every replica yet: Graph answers the add 400 "do not
        // exist" or 404 ("Add members", Note). Transient: the retry adds the member.
        const status = (error as { statusCode?: number }).statusCode;
        const missing = status === 404 || (status === 400 && /do(es)? not exist/i.test(String(error)));
        if (missing && recent((await ctx.objects.kept(c.control)).groupCreatedAt))
          throw new ReplicationLag(
            `the containment group ${groupId} was created moments ago: ${String(error)}`,
          );
        throw error;
      });
      changed["addedToGroup"] = true;
      return { changed, requestIds };
    },
    async verify(ctx, _target, plan) {
      // By the ids Warden keeps; one still replicating reads as not there yet, and the action waits.
      const found = await lookUp(ctx, c, ctx.objects);
      if (found.groupId === undefined || found.groupReplicating) return false;
      const member = (await ctx.graph.groupMemberIds(found.groupId)).includes(String(plan.data["userId"]));
      // The policy as just read: present and as Warden wrote it, whatever the plan found.
      return member && found.policy !== undefined && policyIsRight(ctx, c, found.policy, found.groupId);
    },
    async undo(ctx, _target, changed) {
      const groupId = changed["groupId"];
      const userId = String(changed["userId"]);
      if (typeof groupId !== "string" || changed["addedToGroup"] !== true) return "nothing to restore";
      // A group deleted since (by someone; Warden made a new one) holds no one any more.
      if ((await ctx.graph.group(groupId)) === undefined)
        return `the group ${groupId} is gone: nothing to remove`;
      if ((await ctx.graph.groupMemberIds(groupId)).includes(userId))
        await ctx.graph.removeGroupMember(groupId, userId);
      // The group and policy stay: other contained users may be in the group, and they target no one else.
      return `removed ${userId} from "${c.groupName}"`;
    },
  };
}

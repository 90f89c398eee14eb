import { REPLICATION_GRACE_MS, ReplicationLag } from "../cloud/errors.js";
import type { GraphUser } from "../cloud/graph-directory.js";
import type { ActionTarget, RespondContext } from "./types.js";

/** Thrown when the tenant does not hold what an action needs: permanent, a person must look. */
export class TargetMissing extends Error {
  readonly statusCode = 404;
  readonly code = "TargetMissing";
}

/** The live user behind a target, by object id or UPN. */
export async function resolveUser(ctx: RespondContext, target: ActionTarget): Promise<GraphUser> {
  if (target.kind !== "user") throw new TargetMissing(`${target.label} is not a user`);
  const key = target.id ?? target.userPrincipalName;
  if (key === undefined) throw new TargetMissing(`${target.label} has neither an object id nor a UPN`);
  // Entra is eventually consistent: an account the logs showed made a moment ago may not be on the
  // replica that answers yet. Then it is a short wait here (seconds, as Microsoft's guidance says), then a
  // failure that may pass (the job is retried); later it is a missing user, for a person to look at.
  // Within the grace after the finding's time; a time ahead of the clock (a forged record) earns none.
  const replicating = () =>
    target.seenAt !== undefined &&
    target.seenAt <= Date.now() + 60_000 &&
    Date.now() - target.seenAt < REPLICATION_GRACE_MS;
  let user = await ctx.graph.user(key);
  for (let waitMs = 500; user === undefined && replicating() && waitMs <= 4_000; waitMs *= 2) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    user = await ctx.graph.user(key);
  }
  if (user !== undefined) return user;
  if (replicating())
    throw new ReplicationLag(
      `user ${target.label} (${key}) is not readable yet: Entra is still replicating it`,
    );
  throw new TargetMissing(`user ${target.label} (${key}) does not exist in the tenant`);
}

export const labelOf = (user: GraphUser) => user.userPrincipalName ?? user.id;

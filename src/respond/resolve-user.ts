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
  const user = await ctx.graph.user(key);
  if (user === undefined)
    throw new TargetMissing(`user ${target.label} (${key}) does not exist in the tenant`);
  return user;
}

export const labelOf = (user: GraphUser) => user.userPrincipalName ?? user.id;

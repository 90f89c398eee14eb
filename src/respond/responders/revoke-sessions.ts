import { isExternalUpn } from "../../detect/identity.js";
import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { Responder } from "../types.js";

/** Revokes sign-in sessions: refresh tokens and session cookies stop working; the user signs in again. */
export const revokeSessions: Responder = {
  name: "revoke-sessions",
  permission: "User.RevokeSessions.All",
  targets: "user",
  async plan(ctx, target, planned) {
    const user = await resolveUser(ctx, target);
    // Microsoft: revokeSignInSessions "doesn't revoke sign-in sessions for external users, because external
    // users sign in through their home tenant" (Graph, user: revokeSignInSessions). Done for one, it is
    // recorded as not enforced and does not count as containment (issue 18, point 6).
    // Invited, whatever userType says now: a Global Administrator can turn a guest into a "Member" and
    // rename it, but its account was created by invitation and still signs in at home.
    const external =
      user.userType === "Guest" ||
      isExternalUpn(user.userPrincipalName ?? undefined) ||
      user.creationType === "Invitation" ||
      (user.externalUserState ?? null) !== null;
    const notEnforced = external
      ? {
          notEnforced: `revocation does not end ${labelOf(user)}'s sessions: an external user signs in through their home tenant; disable the account instead`,
        }
      : {};
    // On a retry, sessions revoked since the last attempt read the user were most likely revoked by that
    // attempt, whose answer was lost: revoking again would be a second write. (A first attempt always
    // revokes: a revocation by someone else since triage may have been followed by a new sign-in.)
    // Only against a plan that read the user (one that could not has no `validFromBefore`; a user never
    // revoked has it as null, which JSON keeps).
    const readAtTriage = planned?.data !== undefined && "validFromBefore" in planned.data;
    const plannedFrom = Date.parse(String(planned?.data["validFromBefore"] ?? ""));
    const validFrom = Date.parse(user.signInSessionsValidFromDateTime ?? "");
    if (
      readAtTriage &&
      Number.isFinite(validFrom) &&
      (!Number.isFinite(plannedFrom) || validFrom > plannedFrom)
    ) {
      return {
        needed: false,
        changes: [`sessions of ${labelOf(user)} already revoked at ${user.signInSessionsValidFromDateTime}`],
        data: {
          userId: user.id,
          validFromBefore: user.signInSessionsValidFromDateTime ?? null,
          ...notEnforced,
        },
      };
    }
    return {
      needed: true,
      changes: [`Revoke every sign-in session of ${labelOf(user)}`],
      data: {
        userId: user.id,
        validFromBefore: user.signInSessionsValidFromDateTime ?? null,
        ...notEnforced,
      },
    };
  },
  async execute(ctx, _target, plan) {
    const userId = String(plan.data["userId"]);
    const requestIds = await batchWrites(ctx, [
      { id: "revoke", method: "POST", url: `/users/${userId}/revokeSignInSessions`, body: {} },
    ]);
    return { changed: { userId }, requestIds };
  },
  async verify(ctx, _target, plan) {
    const user = await ctx.graph.user(String(plan.data["userId"]));
    const before = Date.parse(String(plan.data["validFromBefore"] ?? ""));
    const now = Date.parse(user?.signInSessionsValidFromDateTime ?? "");
    return Number.isFinite(now) && (!Number.isFinite(before) || now > before);
  },
  async undo() {
    // Revocation cannot be taken back; it only makes the user sign in again, which is harmless.
    return "nothing to restore: revoked sessions stay revoked, the user signs in again";
  },
};

import { batchWrites } from "../batch-writes.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import type { Responder } from "../types.js";

/** Sets accountEnabled false and revokes sign-in sessions, in one `$batch`. */
export const disableAccount: Responder = {
  name: "disable-account",
  permission:
    "User.EnableDisableAccount.All and User.RevokeSessions.All (and a role that may manage the target)",
  targets: "user",
  async plan(ctx, target) {
    const user = await resolveUser(ctx, target);
    if (user.accountEnabled === false) {
      return { needed: false, changes: [`${labelOf(user)} is already disabled`], data: { userId: user.id } };
    }
    const guestNote =
      user.userType === "Guest" ? " (a guest's sessions in its home tenant are not reached)" : "";
    return {
      needed: true,
      changes: [
        `Set accountEnabled of ${labelOf(user)} from true to false`,
        `Revoke every sign-in session of ${labelOf(user)}${guestNote}`,
      ],
      data: { userId: user.id },
    };
  },
  async execute(ctx, _target, plan) {
    const userId = String(plan.data["userId"]);
    const requestIds = await batchWrites(ctx, [
      { id: "disable", method: "PATCH", url: `/users/${userId}`, body: { accountEnabled: false } },
      {
        id: "revoke",
        method: "POST",
        url: `/users/${userId}/revokeSignInSessions`,
        body: {},
        dependsOn: ["disable"],
      },
    ]);
    return { changed: { userId, accountEnabled: true }, requestIds };
  },
  async verify(ctx, _target, plan) {
    return (await ctx.graph.user(String(plan.data["userId"])))?.accountEnabled === false;
  },
  async undo(ctx, _target, changed) {
    const userId = String(changed["userId"]);
    if (changed["accountEnabled"] !== true) return "nothing to restore";
    await ctx.graph.setAccountEnabled(userId, true);
    return `accountEnabled of ${userId} set back to true (revoked sessions stay revoked: the user signs in again)`;
  },
};

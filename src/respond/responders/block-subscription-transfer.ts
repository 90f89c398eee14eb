import type { TransferPolicy } from "../../cloud/subscription-policy.js";
import type { Responder } from "../types.js";

/** Sets the tenant subscription policy so no subscription can leave (and, if configured, enter) the directory. */
export const blockSubscriptionTransfer: Responder = {
  name: "block-subscription-transfer",
  permission: "Global Administrator with elevated access (the tenant subscription policy)",
  targets: "tenant",
  async plan(ctx) {
    const current = await ctx.policy.read();
    const entering = ctx.settings.blockEntering || current.blockSubscriptionsIntoTenant;
    const changes: string[] = [];
    if (!current.blockSubscriptionsLeavingTenant)
      changes.push("Block subscriptions from leaving the directory (was allowed)");
    if (entering && !current.blockSubscriptionsIntoTenant)
      changes.push("Block subscriptions from entering the directory (was allowed)");
    if (current.exemptedPrincipals.length > 0) {
      changes.push(`Keep the ${current.exemptedPrincipals.length} exempted principal(s) as they are`);
    }
    const needed =
      !current.blockSubscriptionsLeavingTenant || (entering && !current.blockSubscriptionsIntoTenant);
    return {
      needed,
      changes: needed ? changes : ["Subscription transfers are already blocked"],
      data: {
        before: current,
        after: { ...current, blockSubscriptionsLeavingTenant: true, blockSubscriptionsIntoTenant: entering },
      },
    };
  },
  async execute(ctx, _target, plan) {
    const before = await ctx.policy.read();
    const after = {
      ...before,
      ...(plan.data["after"] as TransferPolicy),
      exemptedPrincipals: before.exemptedPrincipals,
    };
    const requestIds: string[] = [];
    await ctx.policy.write(after, (id) => requestIds.push(id));
    return { changed: { before }, requestIds };
  },
  async verify(ctx, _target, plan) {
    const after = plan.data["after"] as TransferPolicy;
    const now = await ctx.policy.read();
    return (
      now.blockSubscriptionsLeavingTenant &&
      (!after.blockSubscriptionsIntoTenant || now.blockSubscriptionsIntoTenant)
    );
  },
  async undo(ctx, _target, changed) {
    const before = changed["before"] as TransferPolicy | undefined;
    if (before === undefined) return "nothing to restore";
    await ctx.policy.write(before);
    return `transfer policy restored (leaving ${before.blockSubscriptionsLeavingTenant ? "blocked" : "allowed"}, entering ${before.blockSubscriptionsIntoTenant ? "blocked" : "allowed"})`;
  },
};

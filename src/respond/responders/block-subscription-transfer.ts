import { classifyFailure } from "../../cloud/errors.js";
import type { ReadTransferPolicy, TransferPolicy } from "../../cloud/subscription-policy.js";
import { AdministratorStepRequired, type ChangedBy, type Responder } from "../types.js";
import { transferPolicySteps } from "./transfer-policy-steps.js";

/** Why Warden's own identity cannot set the policy, in words for the card. */
const ONLY_AN_ADMINISTRATOR =
  "Microsoft lets only a Global Administrator (assigned directly) who elevated access change the tenant's subscription policy, never an app; Warden was refused (AuthorizationFailed)";

/**
 * Whether `now` blocks what `wanted` asks to block, exempting no one `wanted` did not: a block that
 * exempts a new principal (an attacker blocking everyone but themselves) is not the block asked for.
 */
const blocks = (now: TransferPolicy, wanted: TransferPolicy) =>
  now.blockSubscriptionsLeavingTenant &&
  (!wanted.blockSubscriptionsIntoTenant || now.blockSubscriptionsIntoTenant) &&
  now.exemptedPrincipals.every((id) => wanted.exemptedPrincipals.includes(id));

/** Who the tenant says last wrote the policy, if the policy is as wanted. */
const writer = (now: ReadTransferPolicy): ChangedBy | undefined =>
  now.lastModified === undefined ? undefined : { by: now.lastModified.by, at: now.lastModified.at };

/**
 * Sets the tenant subscription policy so no subscription can leave (and, if configured, enter) the
 * directory. Microsoft refuses that write to any app (issue 18, point 1): Warden tries with its own
 * identity, and on the refusal the action waits for a Global Administrator, with the steps on the card,
 * until the policy shows the block (docs/deploy.md, "Blocking subscription transfers takes a person").
 */
export const blockSubscriptionTransfer: Responder = {
  name: "block-subscription-transfer",
  permission: "Global Administrator with elevated access (the tenant subscription policy)",
  targets: "tenant",
  async plan(ctx) {
    const { lastModified: _, ...current } = await ctx.policy.read();
    const entering = ctx.settings.blockEntering || current.blockSubscriptionsIntoTenant;
    const changes: string[] = [];
    if (!current.blockSubscriptionsLeavingTenant)
      changes.push("Block subscriptions from leaving the directory (was allowed)");
    if (entering && !current.blockSubscriptionsIntoTenant)
      changes.push("Block subscriptions from entering the directory (was allowed)");
    if (current.exemptedPrincipals.length > 0) {
      changes.push(
        `Keep the ${current.exemptedPrincipals.length} exempted principal(s), who can still move subscriptions out: ${current.exemptedPrincipals.join(", ").slice(0, 800)}`,
      );
    }
    const needed =
      !current.blockSubscriptionsLeavingTenant || (entering && !current.blockSubscriptionsIntoTenant);
    const after = {
      ...current,
      blockSubscriptionsLeavingTenant: true,
      blockSubscriptionsIntoTenant: entering,
    };
    return {
      needed,
      changes: needed
        ? changes
        : [
            current.exemptedPrincipals.length === 0
              ? "Subscription transfers are already blocked"
              : `Subscription transfers are already blocked, except for ${current.exemptedPrincipals.length} exempted principal(s): ${current.exemptedPrincipals.join(", ").slice(0, 800)}`,
          ],
      data: { before: current, after },
    };
  },
  async execute(ctx, _target, plan) {
    const { lastModified: _, ...before } = await ctx.policy.read();
    const after = {
      ...before,
      ...(plan.data["after"] as TransferPolicy),
      exemptedPrincipals: before.exemptedPrincipals,
    };
    const requestIds: string[] = [];
    await writeOrAsk(() => ctx.policy.write(after, (id) => requestIds.push(id)), after, "block");
    return { changed: { before }, requestIds };
  },
  async verify(ctx, _target, plan) {
    return blocks(await ctx.policy.read(), plan.data["after"] as TransferPolicy);
  },
  async undo(ctx, _target, changed) {
    const before = changed["before"] as TransferPolicy | undefined;
    if (before === undefined) return "nothing to restore";
    await writeOrAsk(() => ctx.policy.write(before), before, "restore");
    return `transfer policy restored (leaving ${before.blockSubscriptionsLeavingTenant ? "blocked" : "allowed"}, entering ${before.blockSubscriptionsIntoTenant ? "blocked" : "allowed"})`;
  },
  byAdministrator: {
    async done(ctx, _target, plan) {
      const now = await ctx.policy.read();
      return blocks(now, plan.data["after"] as TransferPolicy) ? (writer(now) ?? unknownWriter) : undefined;
    },
    async undone(ctx, _target, changed) {
      const before = changed["before"] as TransferPolicy | undefined;
      if (before === undefined) return unknownWriter;
      const now = await ctx.policy.read();
      const restored =
        now.blockSubscriptionsLeavingTenant === before.blockSubscriptionsLeavingTenant &&
        now.blockSubscriptionsIntoTenant === before.blockSubscriptionsIntoTenant;
      return restored ? (writer(now) ?? unknownWriter) : undefined;
    },
  },
};

/** ARM gave no systemData: the change is there, its author is not known. */
const unknownWriter: ChangedBy = { by: "an administrator (ARM did not say who)", at: "an unknown time" };

/** Writes the policy; a refusal (403) becomes the steps a Global Administrator takes instead. */
async function writeOrAsk(
  write: () => Promise<void>,
  wanted: TransferPolicy,
  purpose: "block" | "restore",
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (classifyFailure(error).status !== 403) throw error;
    throw new AdministratorStepRequired(ONLY_AN_ADMINISTRATOR, transferPolicySteps(wanted, purpose));
  }
}

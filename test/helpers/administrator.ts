import type { TransferPolicy } from "../../src/cloud/subscription-policy.js";
import type { SimDirectory } from "../../src/sim/tenant/directory.js";
import type { Queryable } from "../../src/store/database.js";

/**
 * A Global Administrator doing what an incident's card asks of one (issue 18, point 1): Microsoft lets no
 * app write the tenant's transfer policy, so Warden asks, and a person elevates access and sets it in the
 * portal. `adminId` must be a Global Administrator by direct assignment (the simulator refuses anyone
 * else). What is already as asked (done at an earlier look, not yet seen by Warden) is not done again.
 * Returns how many actions were asked.
 */
export async function administratorTakesAskedSteps(
  db: Queryable,
  directory: SimDirectory,
  adminId: string,
): Promise<number> {
  const { rows } = await db.query<{ plan: unknown }>(
    `SELECT plan FROM actions WHERE state = 'awaiting-admin' AND action = 'block-subscription-transfer'`,
  );
  for (const row of rows) {
    const plan = (typeof row.plan === "string" ? JSON.parse(row.plan) : row.plan) as {
      data: { after: TransferPolicy };
    };
    const leaving = plan.data.after.blockSubscriptionsLeavingTenant;
    const entering = plan.data.after.blockSubscriptionsIntoTenant;
    const now = directory.policy;
    if (now.blockSubscriptionsLeavingTenant === leaving && now.blockSubscriptionsIntoTenant === entering)
      continue;
    directory.administratorSetsTransferPolicy(adminId, leaving, entering, plan.data.after.exemptedPrincipals);
  }
  return rows.length;
}

/**
 * The same administrator watching the channel for as long as a test runs: every half second, whatever
 * is asked is done. A look that fails (the database restarting under a resilience test) is tried again
 * at the next; `stop()` ends the watch and throws if the last look failed.
 */
export function administratorWatching(
  db: Queryable | (() => Queryable),
  directory: SimDirectory,
  adminId: string,
): { stop(): void } {
  const store = typeof db === "function" ? db : () => db;
  let busy = false;
  let failure: unknown;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    administratorTakesAskedSteps(store(), directory, adminId)
      .then(
        () => {
          failure = undefined;
        },
        (error: unknown) => {
          failure = error;
        },
      )
      .finally(() => {
        busy = false;
      });
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      if (failure !== undefined) throw failure;
    },
  };
}

/** Whether any action still waits for a step asked of an administrator (or for its undo). */
export async function askedOfAnAdministrator(db: Queryable): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT id FROM actions WHERE state IN ('awaiting-admin', 'undo-awaiting-admin') LIMIT 1",
  );
  return rows.length > 0;
}

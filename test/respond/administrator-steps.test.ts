import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAdministratorSteps } from "../../src/respond/administrator-steps.js";
import type { ContainmentDeps } from "../../src/respond/containment.js";
import { executeContainment } from "../../src/respond/execute.js";
import { planContainment } from "../../src/respond/plan.js";
import { undoContainment } from "../../src/respond/undo.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf, withdrawAdministratorStep } from "../../src/store/actions-repo.js";
import { containmentDeps, incidentOnFinding } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * What Microsoft leaves to a Global Administrator (the transfer policy), seen from the attacker's side and
 * from the races around it: a block that exempts its author is not the block asked for; a retry after
 * the administrator acted records who did it and what undo needs; an undo does not withdraw a step just
 * recorded taken (issue 18, point 1, and its review).
 */

let sim: SimCloud;
let day: TenantDay;
let store: Awaited<ReturnType<typeof freshPglite>>;
let deps: ContainmentDeps;
const analyst = {
  kind: "approver" as const,
  id: "5a5a5a5a-0000-4000-8000-00000000a11e",
  name: "SOC Analyst",
};

beforeAll(async () => {
  ({ sim, day } = await settledTenant(97, 50));
  store = await freshPglite();
  deps = containmentDeps(sim, day, store.db);
}, 60_000);
afterAll(async () => {
  await store?.drop();
  await sim?.close();
});

/** Transfers allowed again, and an incident whose containment asks for the block, run once. */
async function askedToBlock(id: string) {
  sim.directory.policy = {
    ...sim.directory.policy,
    blockSubscriptionsLeavingTenant: false,
    exemptedPrincipals: [],
  };
  const hijack = day.attacks.find((a) => a.name === "hijack");
  if (hijack === undefined) throw new Error("no hijack attack");
  const incident = await incidentOnFinding(
    store.db,
    day,
    id,
    {
      rule: "subscription-directory-changed",
      confidence: 0.95,
      subject: { type: "tenant", id: day.tenant.id },
      actor: { type: "user", id: hijack.subjectId },
    },
    "open",
  );
  await planContainment(deps, incident);
  await store.db.query("UPDATE incidents SET state = 'executing' WHERE id = $1", [id]);
  const ran = await executeContainment(deps, id, analyst);
  const block = ran.outcomes.find((o) => o.action === "block-subscription-transfer");
  expect(block?.state).toBe("awaiting-admin");
  expect(ran.incident?.state).toBe("partial");
  return { attacker: hijack.actorId, blockId: block?.id ?? "" };
}

const admin = () => day.breakGlass[0]?.id ?? "";

describe("a step asked of a Global Administrator", () => {
  it("is not taken by a block that exempts someone the plan did not see exempted", async () => {
    const { attacker } = await askedToBlock("inc-admin-exempted");
    // A compromised Global Administrator blocks everyone but themselves.
    sim.directory.roleAssignments.set("attacker-ga", {
      id: "attacker-ga",
      principalId: attacker,
      roleDefinitionId: "62e90394-69f5-4237-9190-012177145e10",
      directoryScopeId: "/",
    });
    sim.directory.administratorSetsTransferPolicy(attacker, true, false, [attacker]);
    const check = await checkAdministratorSteps(deps, "inc-admin-exempted");
    expect(check).toMatchObject({ taken: 0, waiting: 1, incident: { state: "partial" } });
    // Nor by a retry, which finds transfers "blocked" and must not call it done.
    await store.db.query("UPDATE incidents SET state = 'executing' WHERE id = $1", ["inc-admin-exempted"]);
    const retried = await executeContainment(deps, "inc-admin-exempted", analyst);
    expect(retried.outcomes.find((o) => o.action === "block-subscription-transfer")?.state).toBe(
      "awaiting-admin",
    );
    expect(retried.incident?.state).toBe("partial");
    // The real administrator's block, with no one exempted, is.
    sim.directory.administratorSetsTransferPolicy(admin(), true, false, []);
    const taken = await checkAdministratorSteps(deps, "inc-admin-exempted");
    expect(taken).toMatchObject({ taken: 1, waiting: 0, settledTo: "contained" });
  });

  it("a retry after the administrator acted records who did it, and keeps what undo needs", async () => {
    const { blockId } = await askedToBlock("inc-admin-retry");
    sim.directory.administratorSetsTransferPolicy(admin(), true, false, []);
    await store.db.query("UPDATE incidents SET state = 'executing' WHERE id = $1", ["inc-admin-retry"]);
    const retried = await executeContainment(deps, "inc-admin-retry", analyst);
    expect(retried.incident?.state).toBe("contained");
    const block = (await actionsOf(store.db, "inc-admin-retry")).find((a) => a.id === blockId);
    const adminUpn = sim.directory.users.get(admin())?.userPrincipalName;
    expect(block?.outcome).toMatch(new RegExp(`^done by ${adminUpn} at `));
    expect(block?.changed).toMatchObject({
      appliedBy: adminUpn,
      before: { blockSubscriptionsLeavingTenant: false },
    });
    // So undo asks for the block to be lifted (Warden may not lift it either), instead of forgetting it.
    const undone = await undoContainment(deps, "inc-admin-retry", analyst);
    expect(undone.incident?.state).toBe("contained");
    expect(undone.outcomes.find((o) => o.id === blockId)?.state).toBe("undo-awaiting-admin");
  });

  it("is not withdrawn by an undo once it was recorded taken: the compare-and-set misses", async () => {
    const { blockId } = await askedToBlock("inc-admin-race");
    sim.directory.administratorSetsTransferPolicy(admin(), true, false, []);
    expect((await checkAdministratorSteps(deps, "inc-admin-race")).taken).toBe(1);
    expect(await withdrawAdministratorStep(store.db, blockId, "withdrawn")).toBe(false);
    const block = (await actionsOf(store.db, "inc-admin-race")).find((a) => a.id === blockId);
    expect(block?.state).toBe("done");
  });
});

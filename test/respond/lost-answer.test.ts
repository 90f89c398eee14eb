import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContainment } from "../../src/respond/execute.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf, recordPlannedActions } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { createIncident } from "../../src/store/incidents-repo.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * A revocation is not a state the tenant shows, only a time that moves: a retry must compare against what
 * the attempt before it read, not against triage. Found by a clean-clone CI run of the cloud-outage test
 * (one user's sessions revoked twice): triage could not read the user during the outage, the first attempt
 * revoked and then failed to check, and the retry, with nothing read at triage, revoked again.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(73, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("an action retried after its check failed", () => {
  it("confirms the revocation the first attempt made, when triage could not read the user", async () => {
    const deps = containmentDeps(sim, day, db);
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    await createIncident(db, "inc-lost", day.tenant.id, {
      severity: "critical",
      confidence: 0.99,
      firstTime: Date.now(),
      lastTime: Date.now(),
      findingIds: [],
      rules: ["guest-privileged-role"],
    });
    await db.query("UPDATE incidents SET state = 'approved' WHERE id = 'inc-lost'");
    // What triage records when Graph does not answer: a plan that could not read the user. (The inviting
    // admin's sessions: a guest's revocation is not containment, test/respond/guest-revocation.test.ts.)
    await recordPlannedActions(db, [
      {
        id: "act-revoke",
        tenantId: day.tenant.id,
        incidentId: "inc-lost",
        action: "revoke-sessions",
        target: { kind: "user", id: guest.actorId, label: "the admin who invited the guest" },
        state: "planned",
        plan: { needed: true, changes: ["(could not be read: 503)"], data: {}, because: "a guest admin" },
      },
    ]);
    // The revocation is made; every request after it has its connection cut, the check included.
    sim.directory.onChange = (change) => {
      if (change.what === "revoke-sessions")
        sim.faults.plan = { drop: { fraction: 1, until: Date.now() + 60_000 } };
    };
    const approver = { kind: "approver" as const, id: "a", name: "Analyst" };
    const first = await executeContainment(deps, "inc-lost", approver);
    expect(first.transient).toBe(true);
    expect((await actionsOf(db, "inc-lost"))[0]?.state).toBe("waiting");

    sim.faults.plan = {};
    sim.directory.onChange = undefined;
    const second = await executeContainment(deps, "inc-lost", approver);
    expect(second.transient).toBe(false);
    const revocations = sim.directory.changes.filter(
      (c) => c.what === "revoke-sessions" && c.target === guest.actorId,
    );
    expect(revocations).toHaveLength(1);
    const row = (await actionsOf(db, "inc-lost"))[0];
    expect(row?.state).toBe("done");
    expect(row?.outcome).toMatch(/^already in place: sessions of .* already revoked at /);
    expect(row?.attempts).toBe(2);
  }, 60_000);
});

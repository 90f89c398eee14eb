import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContainment } from "../../src/respond/execute.js";
import { planContainment } from "../../src/respond/plan.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { auditTrail } from "../../src/store/incidents-repo.js";
import { approvedGuestAdminIncident, containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/** Dry-run mode: everything is planned and shown, nothing in the tenant changes. */

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

describe("dry run", () => {
  it("plans every action, records what it would do, and changes nothing in the tenant", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    const incident = await approvedGuestAdminIncident(db, day, "inc-dry-run");
    const deps = containmentDeps(sim, day, db, true);
    const writesBefore = sim.directory.changes.length;
    const planned = await planContainment(deps, incident);
    expect(planned.map((a) => a.action).sort()).toEqual([
      "disable-account",
      "remove-directory-role",
      "require-mfa",
      "revoke-sessions",
    ]);
    await executeContainment(deps, "inc-dry-run", { kind: "approver", id: "a", name: "Analyst" });
    expect(sim.directory.changes.length).toBe(writesBefore);
    const rows = await actionsOf(db, "inc-dry-run");
    for (const row of rows) expect(row.outcome).toMatch(/^dry run, nothing changed; would: /);
    expect(rows.find((r) => r.action === "disable-account")?.outcome).toContain("Set accountEnabled of");
    expect((await auditTrail(db, "inc-dry-run")).map((e) => e.action)).toContain("dry-run");
    expect(sim.directory.users.get(guest.subjectId)?.accountEnabled).toBe(true);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planContainment } from "../../src/respond/plan.js";
import { undoContainment } from "../../src/respond/undo.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { approvedGuestAdminIncident, containLikeTheJob, containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * An undo that fails (Microsoft down for a moment) leaves the incident contained with its actions
 * `undo-failed`, never `reverted`; the next Undo tries them again and finishes (a review found the
 * second click skipped them and called the incident reverted with nothing given back).
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(79, 60));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("an undo that failed", () => {
  it("is tried again by the next Undo, and only then is the incident reverted", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    const incident = await approvedGuestAdminIncident(db, day, "inc-undo-retry");
    const deps = containmentDeps(sim, day, db);
    const analyst = { kind: "approver" as const, id: "a", name: "Analyst" };
    await planContainment(deps, incident);
    const contained = await containLikeTheJob(deps, incident.id, analyst);
    expect(contained.incident?.state).toBe("contained");
    expect(sim.directory.users.get(guest.subjectId)?.accountEnabled).toBe(false);

    // Graph answers 500 to everything while the first Undo runs.
    sim.faults.plan = { unavailable: { fraction: 1, until: Date.now() + 60_000, status: 500 } };
    const first = await undoContainment(deps, incident.id, analyst);
    sim.faults.plan = {};
    expect(first.incident?.state).toBe("contained");
    const failed = (await actionsOf(db, incident.id)).filter((a) => a.state === "undo-failed");
    expect(failed.map((a) => a.action)).toContain("disable-account");
    expect(sim.directory.users.get(guest.subjectId)?.accountEnabled).toBe(false);

    const second = await undoContainment(deps, incident.id, analyst);
    expect(second.incident?.state).toBe("reverted");
    expect((await actionsOf(db, incident.id)).filter((a) => a.state === "undo-failed")).toEqual([]);
    expect(sim.directory.users.get(guest.subjectId)?.accountEnabled).toBe(true);
  }, 120_000);
});

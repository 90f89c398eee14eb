import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContainment } from "../../src/respond/execute.js";
import { planContainment } from "../../src/respond/plan.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf, claimAction, finishAction, recordPlannedActions } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { auditTrail, createIncident } from "../../src/store/incidents-repo.js";
import { approvedGuestAdminIncident, containLikeTheJob, containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * With WARDEN_CA_POLICY_STATE=report-only, the policy Warden creates logs and enforces nothing (issue 18,
 * point 5): the MFA action says so, and the incident is not "contained" on its strength.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(79, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

describe("a report-only containment policy", () => {
  it("records the MFA action as not enforced, and leaves the incident partial, not contained", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    const incident = await approvedGuestAdminIncident(db, day, "inc-report-only");
    const deps = containmentDeps(sim, day, db);
    deps.ctx.settings = { ...deps.ctx.settings, policyState: "enabledForReportingButNotEnforced" };
    await planContainment(deps, incident);

    // The containment group is new: Entra's replication lag makes the first run wait and the next add it.
    const result = await containLikeTheJob(deps, "inc-report-only", {
      kind: "approver",
      id: "a",
      name: "Analyst",
    });
    expect(result.runs).toBeGreaterThan(1);

    const rows = await actionsOf(db, "inc-report-only");
    const mfa = rows.find((r) => r.action === "require-mfa");
    expect(mfa?.state).toBe("done");
    expect(mfa?.outcome).toMatch(/^NOT ENFORCED: the conditional access policy is report-only/);
    expect(mfa?.changed).toMatchObject({ enforced: false });
    // The policy Warden made is report-only in the tenant, as configured.
    const policy = [...sim.directory.caPolicies.values()].find((p) => p.displayName.includes("MFA"));
    expect(policy?.state).toBe("enabledForReportingButNotEnforced");
    // Everything else held, but the incident is not contained on a policy that enforces nothing.
    expect(rows.filter((r) => r.action !== "require-mfa").map((r) => r.state)).toEqual(
      rows.filter((r) => r.action !== "require-mfa").map(() => "done"),
    );
    expect(result.incident?.state).toBe("partial");
    const finished = (await auditTrail(db, "inc-report-only")).find(
      (e) => e.action === "containment-finished",
    );
    expect(finished?.detail).toMatchObject({ notEnforced: 1, failed: 0 });
  }, 60_000);

  it("keeps what an earlier attempt recorded it changed when a retry finds it in place", async () => {
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    const deps = containmentDeps(sim, day, db);
    deps.ctx.settings = { ...deps.ctx.settings, policyState: "enabledForReportingButNotEnforced" };
    const group = [...sim.directory.groups.values()].find((g) => g.members.has(guest.actorId));
    if (group === undefined) throw new Error("the first test put the inviting admin in no group");
    // An attempt that added the admin to the group, whose check did not see it yet: it waits.
    const recorded = { userId: guest.actorId, groupId: group.id, addedToGroup: true };
    await createIncident(db, "inc-retried", day.tenant.id, {
      severity: "critical",
      confidence: 0.99,
      firstTime: Date.now(),
      lastTime: Date.now(),
      findingIds: [],
      rules: ["guest-privileged-role"],
    });
    await db.query("UPDATE incidents SET state = 'approved' WHERE id = 'inc-retried'");
    await recordPlannedActions(db, [
      {
        id: "act-retried",
        tenantId: day.tenant.id,
        incidentId: "inc-retried",
        action: "require-mfa",
        target: { kind: "user", id: guest.actorId, label: "the inviting admin" },
        state: "planned",
        plan: { needed: true, changes: ["add"], data: { userId: guest.actorId } },
      },
    ]);
    await claimAction(db, "act-retried", { approvedBy: "a", automatic: false });
    await finishAction(db, "act-retried", { state: "waiting", outcome: "executed", changed: recorded });

    await executeContainment(deps, "inc-retried", { kind: "approver", id: "a", name: "Analyst" });

    const row = (await actionsOf(db, "inc-retried"))[0];
    expect(row?.outcome).toMatch(/^NOT ENFORCED: .*already in place/);
    // Undo still knows what to take back.
    expect(row?.changed).toEqual({ ...recorded, enforced: false });
  }, 60_000);
});

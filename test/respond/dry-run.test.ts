import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import type { Finding } from "../../src/detect/finding.js";
import { executeContainment, planContainment } from "../../src/respond/containment.js";
import { Guard } from "../../src/respond/guard.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { auditTrail, createIncident, getIncident } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { freshPglite } from "../helpers/services.js";
import { SIM_APP, settledTenant } from "../helpers/sim.js";

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
    const credential = makeCredential(
      { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
      { graph: sim.url, arm: sim.url, authority: sim.url },
    );
    const limiter = new RateLimiter();
    const graph = new GraphDirectory(credential, sim.url, day.tenant.id, limiter);
    const ctx = {
      graph,
      rbac: new AzureRbac(credential, sim.url, day.tenant.id, limiter),
      policy: new SubscriptionPolicy(credential, sim.url, day.tenant.id, limiter),
      subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
      exclusive: <T>(_key: string, work: () => Promise<T>) => work(),
      settings: {
        graphUrl: sim.url,
        breakGlassIds: [],
        policyState: "enabled" as const,
        blockEntering: false,
      },
    };
    const guest = day.attacks.find((a) => a.name === "guest-admin");
    if (guest === undefined) throw new Error("no guest-admin attack");
    const finding: Finding = {
      id: "f-dry-run",
      rule: "guest-privileged-role",
      severity: "critical",
      confidence: 0.99,
      tenantId: day.tenant.id,
      time: Date.now(),
      subject: { type: "user", id: guest.subjectId, external: true },
      actor: { type: "user", id: guest.actorId },
      subscriptionIds: [],
      evidence: [],
      summary: "dry run",
    };
    await insertFindings(db, [finding]);
    await createIncident(db, "inc-dry-run", day.tenant.id, {
      severity: "critical",
      confidence: 0.99,
      firstTime: finding.time,
      lastTime: finding.time,
      findingIds: [finding.id],
      rules: [finding.rule],
    });
    await db.query("UPDATE incidents SET state = 'approved' WHERE id = 'inc-dry-run'");
    const deps = {
      db,
      ctx,
      guard: new Guard({ breakGlassIds: [], users: [], groupIds: [], servicePrincipalIds: [] }, graph),
      dryRun: true,
      log: quietLogger(),
    };
    const incident = await getIncident(db, "inc-dry-run");
    if (incident === undefined) throw new Error("no incident");
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

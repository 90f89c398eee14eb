import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startWorker, type Warden, workflowDeps } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { findingId } from "../../src/detect/finding.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { decide } from "../../src/respond/decide.js";
import { createWebApp, listen } from "../../src/server/web.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { insertFindings, setIncidentOfFindings } from "../../src/store/findings-repo.js";
import {
  type AuditEntry,
  appendAudit,
  auditTrail,
  createIncident,
  getIncident,
  setIncidentState,
} from "../../src/store/incidents-repo.js";
import { capturedLogs } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres, REDIS_URL, redisAvailable } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Issue 17, finding 7: the queue dashboard could undo containment, and the trail blamed an approver.
 * bull-board at /admin/queues was mounted read-write: an `undo` job added through it reverted an incident
 * Demo Analyst had approved, re-enabling the attacker's guest, and the trail said "reverted by Demo
 * Analyst" (the contain handler read "who decided" as the latest approval, whatever it was for). A
 * `contain` job for an incident the store marked executing, with no decision in its trail, ran as
 * "automatic containment". Here: a real Warden (PostgreSQL, BullMQ on Redis, the simulated tenant through
 * the real SDK clients) with the dashboard configured. Each job is waited for until the queue says it
 * ended; the tenant and the trail are then read back.
 */

const TENANT = "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f60";
const ADMIN = { user: "ops", password: "a-long-dashboard-password" };
const ANALYST = { id: "5a5a5a5a-0000-4000-8000-0000000da7a1", name: "Demo Analyst" };
const withServices = await redisAvailable();

/** A guest the attacker invited: Warden's containment disables it. */
function guest(n: number) {
  return {
    id: `9e9e9e9e-0000-4000-8000-00000000000${n}`,
    displayName: `Eve ${n}`,
    userPrincipalName: `eve${n}_evil.example#EXT#@contoso.onmicrosoft.com`,
  };
}

describe.runIf(withServices)("containment only on a recorded decision (finding 7)", () => {
  let sim: SimCloud;
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let warden: Warden;
  let server: Server;
  let url: string;
  let raw: Queue;
  const logs = capturedLogs("warn");
  /** The security warnings Warden logged about jobs for this incident. */
  const warnings = (incidentId: string) =>
    logs.lines.filter((l) => l["security"] === true && l["incidentId"] === incidentId);
  const prefix = `attack-7-${randomBytes(4).toString("hex")}`;

  /** An incident about one invited guest, as detection stores it: open, with its finding. */
  async function incidentAbout(user: ReturnType<typeof guest>): Promise<string> {
    sim.directory.apply({
      type: "user-created",
      user: { ...user, userType: "Guest" },
      enabled: true,
    });
    const now = Date.now();
    const finding = {
      id: findingId("guest-invited", user.id),
      rule: "guest-invited" as const,
      severity: "medium" as const,
      confidence: 0.6,
      tenantId: TENANT,
      time: now,
      subject: { type: "user" as const, ...user, external: true },
      subscriptionIds: [],
      evidence: [],
      summary: `${user.displayName} was invited`,
    };
    await insertFindings(warden.db, [finding]);
    const incidentId = `inc-${user.id}`;
    await createIncident(warden.db, incidentId, TENANT, {
      severity: "medium",
      confidence: 0.6,
      firstTime: now,
      lastTime: now,
      findingIds: [finding.id],
      rules: ["guest-invited"],
    });
    await setIncidentOfFindings(warden.db, incidentId, [finding.id]);
    await appendAudit(warden.db, { incidentId, action: "created", toState: "open" });
    return incidentId;
  }

  const enabled = (user: ReturnType<typeof guest>) => sim.directory.users.get(user.id)?.accountEnabled;

  /** Puts a job on the queue as anyone with the dashboard or Redis could, and waits for it to end. */
  async function injected(name: string, incidentId: string): Promise<string> {
    const job = await raw.add(name, { incidentId });
    await until(
      async () => ["completed", "failed"].includes(await job.getState()),
      20_000,
      `the ${name} job to end`,
    );
    return job.getState();
  }

  const blamed = (trail: AuditEntry[]) =>
    trail.filter((e) => e.actorId !== undefined || (e.actorName !== undefined && e.actorName !== "expiry"));

  const dashboard = (path: string, method: string, body?: unknown) =>
    fetch(`${url}/admin/queues/api/queues/${QUEUE.contain}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString("base64")}`,
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  let contained: string;
  const containedGuest = guest(1);

  beforeAll(async () => {
    sim = await simCloud(TENANT, []);
    pg = await freshPostgres();
    warden = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: SIM_APP.clientId,
          AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
          WARDEN_GRAPH_URL: sim.url,
          WARDEN_ARM_URL: sim.url,
          WARDEN_AUTHORITY_URL: sim.url,
          DATABASE_URL: pg.url,
          REDIS_URL,
          WARDEN_QUEUE_PREFIX: prefix,
          WARDEN_ADMIN_USER: ADMIN.user,
          WARDEN_ADMIN_PASSWORD: ADMIN.password,
          WARDEN_RETRY_BASE_SECONDS: "0.2",
        },
      }),
      logs.log,
    );
    startWorker(warden);
    server = await listen(createWebApp(warden), 0, "127.0.0.1");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    raw = new Queue(QUEUE.contain, { connection: { url: REDIS_URL }, prefix });

    // The legitimate path: triaged, approved by Demo Analyst on the card, contained.
    contained = await incidentAbout(containedGuest);
    await warden.queue.add(QUEUE.triage, "triage", { tenantId: TENANT, incidentId: contained });
    await until(
      async () => (await getIncident(warden.db, contained))?.state === "pending",
      20_000,
      "pending",
    );
    const pending = await getIncident(warden.db, contained);
    const approval = await decide(workflowDeps(warden), contained, ANALYST, {
      approve: true,
      cardVersion: pending?.version ?? -1,
    });
    expect(approval.outcome).toBe("approved");
    await warden.queue.add(QUEUE.contain, "contain", { incidentId: contained });
    await until(
      async () => (await getIncident(warden.db, contained))?.state === "contained",
      20_000,
      "contained",
    );
    expect(enabled(containedGuest)).toBe(false);
  }, 60_000);

  afterAll(async () => {
    await raw?.obliterate({ force: true }).catch(() => undefined);
    await raw?.close();
    server?.closeAllConnections();
    server?.close();
    await warden?.close();
    await pg?.drop();
    await sim?.close();
  });

  it("the dashboard refuses to add, retry or promote a job", async () => {
    const before = await raw.getJobCounts();
    const add = await dashboard("/add", "POST", { name: "undo", data: { incidentId: contained } });
    expect(add.status).toBe(405);
    expect(await add.text()).toContain("read-only");
    for (const path of ["/retry/failed", "/retry/completed", "/promote"]) {
      expect((await dashboard(path, "PUT")).status).toBe(405);
    }
    // Reading still works: the dashboard stays useful for watching the queues.
    const listed = await fetch(`${url}/admin/queues/api/queues`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString("base64")}`,
      },
    });
    expect(listed.status).toBe(200);
    expect(await raw.getJobCounts()).toEqual(before);
    expect((await getIncident(warden.db, contained))?.state).toBe("contained");
    expect(enabled(containedGuest)).toBe(false);
  });

  it("an undo job nobody asked for changes nothing in the tenant and blames nobody", async () => {
    const trailBefore = await auditTrail(warden.db, contained);
    expect(await injected("undo", contained)).toMatch(/completed|failed/);
    expect(enabled(containedGuest)).toBe(false);
    expect((await getIncident(warden.db, contained))?.state).toBe("contained");
    const added = (await auditTrail(warden.db, contained)).slice(trailBefore.length);
    expect(added.map((e) => e.action)).not.toContain("reverted");
    expect(blamed(added)).toEqual([]);
    expect(warnings(contained)).toContainEqual(
      expect.objectContaining({ job: "undo", msg: expect.stringContaining("no recorded decision") }),
    );
  });

  it("a contain job for an incident with no decision in its trail changes nothing, nor does reconcile", async () => {
    // The store says executing (a restored backup, a hand-edited row), but nobody decided anything.
    const target = guest(2);
    const undecided = await incidentAbout(target);
    await warden.queue.add(QUEUE.triage, "triage", { tenantId: TENANT, incidentId: undecided });
    await until(
      async () => (await getIncident(warden.db, undecided))?.state === "pending",
      20_000,
      "pending",
    );
    await setIncidentState(warden.db, undecided, "executing");
    const trailBefore = await auditTrail(warden.db, undecided);

    await injected("contain", undecided);
    // Reconcile re-queues containment of what the store marks executing: it must not act on the state alone.
    const triage = new Queue(QUEUE.triage, { connection: { url: REDIS_URL }, prefix });
    try {
      const reconcile = await triage.add("reconcile", { tenantId: TENANT });
      await until(
        async () => ["completed", "failed"].includes(await reconcile.getState()),
        20_000,
        "reconcile to end",
      );
    } finally {
      await triage.close();
    }
    // Whatever reconcile queued has run once the contain queue is empty.
    await until(
      async () => Object.values(await raw.getJobCounts("waiting", "active", "delayed")).every((n) => n === 0),
      20_000,
      "the contain queue to drain",
    );

    expect(enabled(target)).toBe(true);
    expect(
      sim.directory.changes.filter((c) => c.actor === SIM_APP.clientId && c.target === target.id),
    ).toEqual([]);
    const added = (await auditTrail(warden.db, undecided)).slice(trailBefore.length);
    expect(added.map((e) => e.action).filter((a) => a.startsWith("action-"))).toEqual([]);
    expect(blamed(added)).toEqual([]);
    expect(warnings(undecided).map((l) => l["job"] ?? "reconcile")).toEqual(
      expect.arrayContaining(["contain", "reconcile"]),
    );
  });

  it("a triage job nobody's detection asked for leaves a denied incident denied", async () => {
    // Triage re-decides an incident that grew; a job written by hand must not reopen a person's denial
    // (nor, with automatic containment on, contain what the person denied).
    const target = guest(3);
    const denied = await incidentAbout(target);
    await warden.queue.add(QUEUE.triage, "triage", { tenantId: TENANT, incidentId: denied });
    await until(async () => (await getIncident(warden.db, denied))?.state === "pending", 20_000, "pending");
    const pending = await getIncident(warden.db, denied);
    const denial = await decide(workflowDeps(warden), denied, ANALYST, {
      approve: false,
      cardVersion: pending?.version ?? -1,
      reason: "a partner we invited on purpose",
    });
    expect(denial.outcome).toBe("denied");
    const trailBefore = await auditTrail(warden.db, denied);

    const triage = new Queue(QUEUE.triage, { connection: { url: REDIS_URL }, prefix });
    try {
      const job = await triage.add("triage", { tenantId: TENANT, incidentId: denied });
      await until(
        async () => ["completed", "failed"].includes(await job.getState()),
        20_000,
        "triage to end",
      );
    } finally {
      await triage.close();
    }
    expect((await getIncident(warden.db, denied))?.state).toBe("denied");
    expect((await auditTrail(warden.db, denied)).slice(trailBefore.length)).toEqual([]);
    expect(enabled(target)).toBe(true);
  });
});

import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import type { Finding } from "../../src/detect/finding.js";
import type { ContainmentDeps } from "../../src/respond/containment.js";
import { executeContainment } from "../../src/respond/execute.js";
import { Guard } from "../../src/respond/guard.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { containmentObjectsIn } from "../../src/store/containment-objects-repo.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { createIncident, getIncident, type IncidentRow } from "../../src/store/incidents-repo.js";
import { quietLogger } from "./logs.js";
import { SIM_APP } from "./sim.js";

/**
 * The live tenant as the responders see it (their `ctx`): the real SDK clients against the simulated
 * tenant. With `db`, the containment objects are kept there and the cross-process lock is the store's;
 * without one (a test of responders that create nothing), keeping an object fails and says so.
 */
export function respondContext(
  sim: SimCloud,
  day: TenantDay,
  options: { db?: Database; breakGlassIds?: string[] } = {},
): ContainmentDeps["ctx"] {
  const credential = makeCredential(
    { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const limiter = new RateLimiter();
  const { db } = options;
  const noStore = (): never => {
    throw new Error("this test gave respondContext no store: pass { db } to keep containment objects");
  };
  const objects =
    db === undefined ? { kept: noStore, keep: noStore } : containmentObjectsIn(db, day.tenant.id);
  return {
    graph: new GraphDirectory(credential, sim.url, day.tenant.id, limiter),
    rbac: new AzureRbac(credential, sim.url, day.tenant.id, limiter),
    policy: new SubscriptionPolicy(credential, sim.url, day.tenant.id, limiter),
    subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
    objects,
    exclusive: <T>(key: string, work: (kept: typeof objects) => Promise<T>) =>
      db === undefined
        ? work(objects)
        : db.transaction(async (tx) => {
            await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key]);
            return work(containmentObjectsIn(tx, day.tenant.id));
          }),
    settings: {
      graphUrl: sim.url,
      breakGlassIds: options.breakGlassIds ?? [],
      policyState: "enabled",
      blockEntering: false,
    },
  };
}

/** What containment needs, against the simulated tenant through the real SDK clients; nobody protected. */
export function containmentDeps(
  sim: SimCloud,
  day: TenantDay,
  db: Database,
  dryRun = false,
): ContainmentDeps {
  const ctx = respondContext(sim, day, { db });
  return {
    db,
    ctx,
    guard: new Guard({ breakGlassIds: [], users: [], groupIds: [], servicePrincipalIds: [] }, ctx.graph),
    dryRun,
    log: quietLogger(),
  };
}

/**
 * An incident stored on one finding (critical), in `state`: ready for planContainment and
 * executeContainment. `finding` gives what differs (rule, subject, actor); the rest is filled in.
 */
export async function incidentOnFinding(
  db: Database,
  day: TenantDay,
  id: string,
  finding: Pick<Finding, "rule" | "confidence" | "subject" | "actor">,
  state: "open" | "approved" | "executing",
): Promise<IncidentRow> {
  const stored: Finding = {
    ...finding,
    id: `f-${id}`,
    severity: "critical",
    tenantId: day.tenant.id,
    time: Date.now(),
    subscriptionIds: [],
    evidence: [],
    summary: id,
  };
  await insertFindings(db, [stored]);
  await createIncident(db, id, day.tenant.id, {
    severity: "critical",
    confidence: stored.confidence,
    firstTime: stored.time,
    lastTime: stored.time,
    findingIds: [stored.id],
    rules: [stored.rule],
  });
  if (state !== "open") await db.query("UPDATE incidents SET state = $2 WHERE id = $1", [id, state]);
  const incident = await getIncident(db, id);
  if (incident === undefined) throw new Error(`no incident ${id}`);
  return incident;
}

/**
 * An incident approved on one finding: the scenario's guest made a Global Administrator (critical, 0.99).
 * Returns the stored incident.
 */
export async function approvedGuestAdminIncident(
  db: Database,
  day: TenantDay,
  id: string,
): Promise<IncidentRow> {
  const guest = day.attacks.find((a) => a.name === "guest-admin");
  if (guest === undefined) throw new Error("no guest-admin attack");
  return incidentOnFinding(
    db,
    day,
    id,
    {
      rule: "guest-privileged-role",
      confidence: 0.99,
      subject: { type: "user", id: guest.subjectId, external: true },
      actor: { type: "user", id: guest.actorId },
    },
    "approved",
  );
}

/**
 * Containment as the contain job runs it: again after a transient failure (Entra's replication lag on
 * the containment group Warden just created, a throttled call), until no action waits to retry.
 */
export async function containLikeTheJob(
  deps: ContainmentDeps,
  incidentId: string,
  by: Parameters<typeof executeContainment>[2],
  deadlineMs = 30_000,
): Promise<Awaited<ReturnType<typeof executeContainment>> & { runs: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let runs = 1; ; runs++) {
    const result = await executeContainment(deps, incidentId, by);
    if (!result.transient) return { ...result, runs };
    if (Date.now() > deadline) throw new Error(`containment still waiting to retry after ${runs} runs`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import type { Finding } from "../../src/detect/finding.js";
import type { ContainmentDeps } from "../../src/respond/containment.js";
import { Guard } from "../../src/respond/guard.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { createIncident, getIncident, type IncidentRow } from "../../src/store/incidents-repo.js";
import { quietLogger } from "./logs.js";
import { SIM_APP } from "./sim.js";

/**
 * The live tenant as the responders see it (their `ctx`): the real SDK clients against the simulated
 * tenant. Enough for a test that plans and executes responders itself, with no store behind it.
 */
export function respondContext(sim: SimCloud, day: TenantDay): ContainmentDeps["ctx"] {
  const credential = makeCredential(
    { tenantId: day.tenant.id, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const limiter = new RateLimiter();
  return {
    graph: new GraphDirectory(credential, sim.url, day.tenant.id, limiter),
    rbac: new AzureRbac(credential, sim.url, day.tenant.id, limiter),
    policy: new SubscriptionPolicy(credential, sim.url, day.tenant.id, limiter),
    subscriptions: async () => sim.directory.subscriptions.map((s) => s.subscriptionId),
    exclusive: <T>(_key: string, work: () => Promise<T>) => work(),
    settings: { graphUrl: sim.url, breakGlassIds: [], policyState: "enabled", blockEntering: false },
  };
}

/** What containment needs, against the simulated tenant through the real SDK clients; nobody protected. */
export function containmentDeps(
  sim: SimCloud,
  day: TenantDay,
  db: Database,
  dryRun = false,
): ContainmentDeps {
  const ctx = respondContext(sim, day);
  return {
    db,
    ctx,
    guard: new Guard({ breakGlassIds: [], users: [], groupIds: [], servicePrincipalIds: [] }, ctx.graph),
    dryRun,
    log: quietLogger(),
  };
}

/**
 * An incident approved on one finding: the scenario's guest made a Global Administrator (critical, 0.99),
 * ready for planContainment and executeContainment. Returns the stored incident.
 */
export async function approvedGuestAdminIncident(
  db: Database,
  day: TenantDay,
  id: string,
): Promise<IncidentRow> {
  const guest = day.attacks.find((a) => a.name === "guest-admin");
  if (guest === undefined) throw new Error("no guest-admin attack");
  const finding: Finding = {
    id: `f-${id}`,
    rule: "guest-privileged-role",
    severity: "critical",
    confidence: 0.99,
    tenantId: day.tenant.id,
    time: Date.now(),
    subject: { type: "user", id: guest.subjectId, external: true },
    actor: { type: "user", id: guest.actorId },
    subscriptionIds: [],
    evidence: [],
    summary: id,
  };
  await insertFindings(db, [finding]);
  await createIncident(db, id, day.tenant.id, {
    severity: "critical",
    confidence: 0.99,
    firstTime: finding.time,
    lastTime: finding.time,
    findingIds: [finding.id],
    rules: [finding.rule],
  });
  await db.query("UPDATE incidents SET state = 'approved' WHERE id = $1", [id]);
  const incident = await getIncident(db, id);
  if (incident === undefined) throw new Error(`no incident ${id}`);
  return incident;
}

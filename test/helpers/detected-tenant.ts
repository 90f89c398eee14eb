import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { TenantDetector } from "../../src/jobs/tenant-detector.js";
import { Guard } from "../../src/respond/guard.js";
import type { WorkflowDeps } from "../../src/respond/workflow.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { storeEvents } from "../../src/store/events-repo.js";
import { findingsByIds } from "../../src/store/findings-repo.js";
import { type IncidentRow, listIncidents } from "../../src/store/incidents-repo.js";
import { TEST_CONFIG } from "./detection.js";
import { quietLogger } from "./logs.js";
import { respondContext } from "./respond.js";
import { freshPglite } from "./services.js";
import { settledTenant } from "./sim.js";

/**
 * A simulated tenant whose takeover day has happened, and the store after live detection read its logs:
 * the incidents, findings and audit trail Warden's own code writes (TenantDetector), with the workflow
 * that triages, decides and contains them against that tenant. What the chat answers are tested on.
 */
export interface DetectedTenant {
  sim: SimCloud;
  day: TenantDay;
  db: Database;
  workflow: WorkflowDeps;
  /** The incident each attack raised (not merged), by the attack's name. */
  incidentOf(attack: string): Promise<IncidentRow>;
  close(): Promise<void>;
}

export async function detectedTenant(seed: number): Promise<DetectedTenant> {
  const { sim, day } = await settledTenant(seed, 100);
  const { db, drop } = await freshPglite();
  const tenantId = day.tenant.id;
  const events = day.records.flatMap((r) => {
    const result = normaliseRecord(r.record, { tenantId });
    return result.ok ? [result.event] : [];
  });
  await storeEvents(db, events);
  await new TenantDetector(db, tenantId, { ...TEST_CONFIG, defaultTenantId: tenantId }).run();
  const ctx = respondContext(sim, day, { db });
  const workflow: WorkflowDeps = {
    db,
    ctx,
    guard: new Guard({ breakGlassIds: [], users: [], groupIds: [], servicePrincipalIds: [] }, ctx.graph),
    dryRun: false,
    log: quietLogger(),
    // Nothing contained on its own: every step in the trail is a person's decision or its run.
    autoPolicy: {
      enabled: false,
      minConfidence: 1,
      severities: [],
      rules: [],
      actions: [],
      maxActionsPerHour: 0,
    },
    twoApproversForCritical: false,
    now: Date.now,
  };
  return {
    sim,
    day,
    db,
    workflow,
    async incidentOf(name) {
      const attack = day.attacks.find((a) => a.name === name);
      if (attack === undefined) throw new Error(`no attack ${name}`);
      for (const incident of await listIncidents(db, tenantId)) {
        if (incident.state === "merged") continue;
        const findings = await findingsByIds(db, incident.findingIds);
        if (findings.some((f) => f.subject.id === attack.subjectId)) return incident;
      }
      throw new Error(`no incident about ${name}'s subject`);
    },
    async close() {
      await drop();
      await sim.close();
    },
  };
}

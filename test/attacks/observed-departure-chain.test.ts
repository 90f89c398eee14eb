import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { correlate } from "../../src/detect/correlate.js";
import type { Finding } from "../../src/detect/finding.js";
import { ACTIONS } from "../../src/respond/types.js";
import { triageIncident, type WorkflowDeps } from "../../src/respond/workflow.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { insertFindings } from "../../src/store/findings-repo.js";
import { auditTrail, createIncident, getIncident } from "../../src/store/incidents-repo.js";
import { containmentDeps } from "../helpers/respond.js";
import { freshPglite } from "../helpers/services.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Issue 17, finding 3 (in part): the takeover chain needs only a grant to an outsider and a departure of
 * the same subscription. A member who owns a subscription grants Owner on it to a long-standing partner
 * admin and moves it out: a critical incident at 0.97, contained without a click. When Warden only
 * observed the departure (the subscription is gone from the listing; no logged move says who moved it,
 * or that it moved rather than Warden's access being removed), the chain may put the incident before a
 * person, never act alone. The chain is made by the real correlation from the grant and the observation.
 */

let sim: SimCloud;
let day: TenantDay;
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, day } = await settledTenant(83, 100));
  ({ db, drop } = await freshPglite());
}, 60_000);
afterAll(async () => {
  await drop?.();
  await sim?.close();
});

/** Automatic containment of critical incidents only, at 0.9 and above: the chain's level, not the grant's. */
function workflow(): WorkflowDeps {
  return {
    ...containmentDeps(sim, day, db),
    twoApproversForCritical: false,
    now: Date.now,
    autoPolicy: {
      enabled: true,
      minConfidence: 0.9,
      severities: ["critical"],
      rules: [],
      // Every action: the only thing that can hold the incident back is what it is judged on.
      actions: [...ACTIONS],
      maxActionsPerHour: 20,
    },
  };
}

async function takeover(name: string, departure: "observed" | "logged") {
  const attack = day.attacks.find((a) => a.name === "hijack");
  const subscription = attack?.subscriptionIds[0];
  if (attack === undefined || subscription === undefined) throw new Error("no hijack attack in the tenant");
  const now = Date.now();
  const grant: Finding = {
    id: `f-${name}-grant`,
    rule: "guest-azure-privileged-role",
    severity: "high",
    confidence: 0.8,
    tenantId: day.tenant.id,
    time: now - 60_000,
    subject: { type: "user", id: attack.subjectId, external: true },
    actor: { type: "user", id: attack.actorId },
    subscriptionIds: [subscription],
    evidence: [
      {
        source: "azure-activity",
        id: `azure-activity:${name}-grant`,
        time: now - 60_000,
        operation: "Microsoft.Authorization/roleAssignments/write",
      },
    ],
    summary: "Owner granted to an external admin",
  };
  const move: Finding = {
    id: `f-${name}-move`,
    rule: "subscription-directory-changed",
    severity: "high",
    confidence: 0.8,
    tenantId: day.tenant.id,
    time: now,
    subject: { type: "subscription", id: subscription },
    ...(departure === "logged" ? { actor: { type: "user" as const, id: attack.subjectId } } : {}),
    subscriptionIds: [subscription],
    evidence: [
      departure === "observed"
        ? {
            source: "warden",
            id: `warden:subscription-gone:${name}`,
            time: now,
            operation: "Warden/subscriptionGone",
          }
        : {
            source: "azure-activity",
            id: `azure-activity:${name}-move`,
            time: now,
            operation: "Microsoft.Subscription/updateTenant/action",
          },
    ],
    summary: "The subscription is no longer in the directory",
  };
  const { chains } = correlate([grant, move], { correlationWindowHours: 72 });
  expect(chains.map((c) => [c.rule, c.severity, c.confidence])).toEqual([
    ["subscription-hijack-chain", "critical", 0.97],
  ]);
  const findings = [grant, move, ...chains];
  await insertFindings(db, findings);
  await createIncident(db, name, day.tenant.id, {
    severity: "critical",
    confidence: 0.97,
    firstTime: grant.time,
    lastTime: move.time,
    findingIds: findings.map((f) => f.id),
    rules: findings.map((f) => f.rule),
  });
  return triageIncident(workflow(), name);
}

describe("a takeover chain completed by a departure Warden only observed", () => {
  it("waits for a person, and says why", async () => {
    const result = await takeover("inc-observed", "observed");
    expect(result.outcome).toBe("pending");
    expect((await getIncident(db, "inc-observed"))?.state).toBe("pending");
    const waiting = (await auditTrail(db, "inc-observed")).find((e) => e.action === "awaiting-approval");
    // Held back by what it is judged on (the grant and the departure, at 0.8), and the card says so.
    expect(String(waiting?.detail?.["reason"])).toContain(
      "block-subscription-transfer on the tenant: no finding asking for it meets the automatic policy (critical, confidence 0.9 or more): the strongest is subscription-directory-changed, high at 0.8",
    );
    expect(String(waiting?.detail?.["reason"])).toContain("departure Warden only observed");
  }, 60_000);

  it("while the same chain with the move logged is contained as configured", async () => {
    const result = await takeover("inc-logged", "logged");
    expect(result.outcome).toBe("auto");
  }, 60_000);
});

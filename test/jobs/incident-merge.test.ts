import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SecurityEvent, VmCreatedEvent } from "../../src/detect/event.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { TenantDetector } from "../../src/jobs/tenant-detector.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf, claimAction, finishAction, recordPlannedActions } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { storeEvents } from "../../src/store/events-repo.js";
import {
  auditTrail,
  type IncidentRow,
  type IncidentState,
  listIncidents,
  transitionIncident,
} from "../../src/store/incidents-repo.js";
import { TEST_CONFIG } from "../helpers/detection.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres, postgresAvailable } from "../helpers/services.js";

/**
 * Two incidents that a late record links are merged into one, but only one nobody has decided on is
 * folded into another: an incident decided on keeps its decision, its actions and their undo (a
 * containment under way would otherwise lose the decision it runs under, and a contained one its undo).
 */

const withPostgres = await postgresAvailable();
const day = tenantDay({ attacks: ATTACKS, noiseEvents: 0, seed: 21 });
const tenantId = day.tenant.id;
const config = { ...TEST_CONFIG, defaultTenantId: tenantId };
const events: SecurityEvent[] = day.records.flatMap((r) => {
  const result = normaliseRecord(r.record, { tenantId });
  return result.ok ? [result.event] : [];
});

const CREATED_SUBSCRIPTION = "08948f48-61dd-4400-8907-feebce6b2888";
const TEMP_SUBSCRIPTION = "2fc31100-d18d-455e-bb43-5a2817183ccb";

/** The subscription creator's VM, written again into the subscription the other incident is about. */
function bridge(): VmCreatedEvent {
  const vm = events.find(
    (e): e is VmCreatedEvent =>
      e.kind === "vm-created" && e.via === "vm-write" && e.subscriptionId === CREATED_SUBSCRIPTION,
  );
  if (vm === undefined) throw new Error("the scenario has no VM in the created subscription");
  const last = Math.max(...events.map((e) => e.time));
  return {
    ...vm,
    id: `${vm.id}-bridge`,
    time: last + 60_000,
    subscriptionId: TEMP_SUBSCRIPTION,
    resourceId: vm.resourceId.replace(CREATED_SUBSCRIPTION, TEMP_SUBSCRIPTION),
  };
}

describe.skipIf(!withPostgres)("incidents merged by a late record", () => {
  let db: Database;
  let drop: () => Promise<void>;
  let detector: TenantDetector;
  beforeEach(async () => {
    ({ db, drop } = await freshPostgres());
    detector = new TenantDetector(db, tenantId, config);
    await storeEvents(db, events);
    await detector.run();
  });
  afterEach(async () => drop?.());

  /** The incident whose findings name the subscription. */
  const incidentAbout = async (subscriptionId: string): Promise<IncidentRow> => {
    const { rows } = await db.query<{ incident_id: string }>(
      "SELECT DISTINCT incident_id FROM findings WHERE body::text LIKE $1",
      [`%${subscriptionId}%`],
    );
    expect(rows, `the findings about ${subscriptionId} are in one incident`).toHaveLength(1);
    const incident = (await listIncidents(db, tenantId)).find((i) => i.id === rows[0]?.incident_id);
    if (incident === undefined) throw new Error(`no incident about ${subscriptionId}`);
    return incident;
  };

  /** Puts an incident through a decision with one action, left `running` or finished `done`. */
  const contained = async (incident: IncidentRow, to: IncidentState, action: "running" | "done") => {
    const id = `act-${incident.id}`;
    await recordPlannedActions(db, [
      {
        id,
        tenantId,
        incidentId: incident.id,
        action: "disable-account",
        target: { kind: "user", id: `00000000-0000-0000-0000-${incident.id.slice(4, 16)}`, label: "someone" },
        state: "planned",
        plan: { needed: true, changes: ["disable"], data: {} },
      },
    ]);
    await transitionIncident(db, incident.id, ["open"], "executing", {
      action: "auto-contain",
      actorName: "automatic containment",
      detail: { actions: [id] },
    });
    await claimAction(db, id, { approvedBy: null, automatic: true });
    if (action === "done") {
      await finishAction(db, id, { state: "done", outcome: "account disabled" });
      await transitionIncident(db, incident.id, ["executing"], to, { action: "containment-finished" });
    }
    return id;
  };

  it("never folds an incident decided on: the open one is folded into it, and it keeps its actions", async () => {
    const older = await incidentAbout(CREATED_SUBSCRIPTION);
    const newer = await incidentAbout(TEMP_SUBSCRIPTION);
    expect(older.id).not.toBe(newer.id);
    const actionId = await contained(newer, "auto-contained", "done");

    await storeEvents(db, [bridge()]);
    const run = await detector.run();

    const after = await listIncidents(db, tenantId);
    expect(after.find((i) => i.id === older.id)?.state).toBe("merged");
    expect(after.find((i) => i.id === newer.id)?.state).toBe("auto-contained");
    expect(run.incidents).toEqual([newer.id]);
    // What it did stays its own, with its outcome, for its card and its undo.
    expect((await actionsOf(db, newer.id)).map((a) => [a.id, a.state, a.outcome])).toEqual([
      [actionId, "done", "account disabled"],
    ]);
    const survivor = after.find((i) => i.id === newer.id);
    expect(survivor?.findingIds).toEqual(expect.arrayContaining(older.findingIds));
    expect((await auditTrail(db, older.id)).at(-1)).toMatchObject({
      action: "merged-into",
      fromState: "open",
      toState: "merged",
      detail: { into: newer.id },
    });
  });

  it("keeps an incident whose containment is under way, even when it is the newer", async () => {
    const older = await incidentAbout(CREATED_SUBSCRIPTION);
    const newer = await incidentAbout(TEMP_SUBSCRIPTION);
    const running = await contained(newer, "executing", "running");

    await storeEvents(db, [bridge()]);
    const run = await detector.run();

    const after = await listIncidents(db, tenantId);
    expect(after.find((i) => i.id === newer.id)?.state).toBe("executing");
    expect(after.find((i) => i.id === older.id)?.state).toBe("merged");
    expect(run.incidents).toEqual([newer.id]);
    // The running action stays with the decision it runs under.
    expect((await actionsOf(db, newer.id)).map((a) => [a.id, a.state])).toEqual([[running, "running"]]);
  });

  it("folds neither of two incidents decided on into the other", async () => {
    const older = await incidentAbout(CREATED_SUBSCRIPTION);
    const newer = await incidentAbout(TEMP_SUBSCRIPTION);
    const olderAction = await contained(older, "contained", "done");
    const newerAction = await contained(newer, "executing", "running");

    await storeEvents(db, [bridge()]);
    await detector.run();

    const after = await listIncidents(db, tenantId);
    expect(after.find((i) => i.id === older.id)?.state).toBe("contained");
    expect(after.find((i) => i.id === newer.id)?.state).toBe("executing");
    expect((await actionsOf(db, older.id)).map((a) => a.id)).toEqual([olderAction]);
    expect((await actionsOf(db, newer.id)).map((a) => a.id)).toEqual([newerAction]);
    // The newer keeps its findings, in its row and in the findings table.
    const survivor = after.find((i) => i.id === older.id);
    expect(survivor?.findingIds.some((id) => newer.findingIds.includes(id))).toBe(false);
    const { rows } = await db.query<{ incident_id: string }>(
      "SELECT DISTINCT incident_id FROM findings WHERE id = ANY($1::text[])",
      [newer.findingIds],
    );
    expect(rows.map((r) => r.incident_id)).toEqual([newer.id]);
  });

  it("keeps apart an incident decided on while the detector was folding it", async () => {
    const older = await incidentAbout(CREATED_SUBSCRIPTION);
    const newer = await incidentAbout(TEMP_SUBSCRIPTION);
    // Both open: the newer would be folded into the older. An automatic decision on the newer holds its
    // row while detection reads it (as open) and tries to fold it, then commits.
    await storeEvents(db, [bridge()]);
    let detecting: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query("SELECT id FROM incidents WHERE id = $1 FOR UPDATE", [newer.id]);
      detecting = detector.run();
      await until(
        async () => {
          const { rows } = await db.query<{ waiting: number }>(
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
          );
          return (rows[0]?.waiting ?? 0) > 0;
        },
        20_000,
        "the detector to wait for the incident's row",
      );
      await transitionIncident(tx, newer.id, ["open"], "executing", {
        action: "auto-contain",
        actorName: "automatic containment",
        detail: { actions: [] },
      });
    });
    await detecting;

    const after = await listIncidents(db, tenantId);
    expect(after.find((i) => i.id === newer.id)?.state).toBe("executing");
    expect(after.find((i) => i.id === older.id)?.state).toBe("open");
    expect((await auditTrail(db, newer.id)).some((e) => e.action === "merged-into")).toBe(false);
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import { auditTrail, listIncidents } from "../../src/store/incidents-repo.js";
import { administratorTakesAskedSteps } from "../helpers/administrator.js";
import { quietLogger } from "../helpers/logs.js";
import {
  EXPECTED_INCIDENTS,
  type PlayedSim,
  playingSim,
  settle,
  settledState,
  until,
  whyNot,
} from "../helpers/pipeline.js";
import { peak } from "../helpers/rates.js";

/**
 * Microsoft misbehaving for most of a minute: 429s (with Retry-After from Graph and ARM, without from Identity
 * Protection and conditional access), 500s, cut connections and requests never answered (past Warden's
 * 3 s deadline here) while the logs are polled and contained; and from the moment containment starts
 * writing, 20 s in which Graph and ARM answer 429 or 503. Every event still arrives, every incident ends
 * contained, nothing is written twice, the documented rates are kept throughout, and the incidents'
 * trails (what their cards show) say which actions waited and why.
 *
 * Set aside once because one incident ended `partial` in a loaded run: a connection cut during a Graph
 * write reached containment as statusCode -1, which was read as a permanent answer. test/cloud/failures
 * pins that down; this test shows the whole of containment riding it out.
 */

describe("Graph and ARM failing for minutes", () => {
  let played: PlayedSim | undefined;
  let warden: Warden | undefined;
  afterAll(async () => {
    await warden?.close();
    await played?.sim.close();
  });

  it("everything completes after, within the limits, and the waits are on the record", async () => {
    // The hijacked subscription leaves the directory only after this test (Azure's transfers take their
    // time too): its log, Warden's own writes to it included, stays readable through the storm. One that
    // leaves before Warden could read its last records is another case (docs/architecture.md).
    // The attacks play over 10 s; the storm covers their polling, detection and the start of containment
    // (the storm was two minutes, the outage 40 s: as long only made the test wait longer).
    played = await playingSim(53, 10_000, { transferCompletesAfterMs: 900_000 });
    const p = played;
    const stormEnds = Date.now() + 50_000;
    const storm = {
      throttle: { fraction: 0.4, until: stormEnds, retryAfterSeconds: 2 },
      unavailable: { fraction: 0.15, until: stormEnds, status: 500 as const },
      drop: { fraction: 0.05, until: stormEnds },
      hang: { fraction: 0.03, until: stormEnds },
    };
    p.sim.faults.plan = storm;
    let outageEnds = 0;
    p.sim.directory.onChange = () => {
      if (outageEnds !== 0) return;
      // Containment has begun: at least 20 s in which whatever is not throttled is answered 503, and
      // until an action has been recorded waiting (at most two minutes); then the storm again. The SDKs
      // retry on their own first, and on a loaded machine a 20 s outage could end inside their retries,
      // with nothing for the trail to show: what this checks is the trail of an outage Warden had to wait
      // out, not how long the SDKs' own retries last.
      const began = Date.now();
      outageEnds = began + 120_000;
      p.sim.faults.plan = { ...storm, unavailable: { fraction: 1, until: outageEnds, status: 503 } };
      const check = setInterval(() => {
        void waitsRecorded().then((recorded) => {
          if (Date.now() - began < 20_000 || (!recorded && Date.now() < outageEnds)) return;
          clearInterval(check);
          outageEnds = Date.now();
          p.sim.faults.plan = storm;
        });
      }, 1_000);
    };
    const waitsRecorded = async () =>
      warden === undefined
        ? false
        : (
            await warden.db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM incident_audit WHERE action = 'action-waiting' AND detail->>'outcome' LIKE 'waiting to retry: %'",
            )
          ).rows[0]?.n !== 0;
    const config = loadConfig({
      env: {
        ...p.env,
        WARDEN_DATA_DIR: `/tmp/warden-outage-${process.pid}-${Date.now()}`,
        WARDEN_RECONCILE_SECONDS: "10",
        WARDEN_REQUEST_TIMEOUT_SECONDS: "3",
        WARDEN_AUTO_CONTAIN: "true",
        WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
        WARDEN_AUTO_SEVERITIES: "medium,high,critical",
      },
    });
    warden = await openWarden(config, quietLogger("error"));
    const w = warden;
    startWorker(w);
    await startSchedules(w);

    await until(
      async () => outageEnds !== 0 && Date.now() > stormEnds,
      240_000,
      "the storm and the outage to end",
    );
    const finals = ["auto-contained", "contained", "partial", "failed", "merged"];
    // A Global Administrator blocks transfers when a card asks (Microsoft refuses it to apps); Warden
    // must see it through the same outage.
    await until(
      async () => {
        await administratorTakesAskedSteps(w.db, p.sim.directory, p.day.breakGlass[0]?.id ?? "");
        const incidents = await listIncidents(w.db, p.tenantId);
        const asked = await w.db.query("SELECT id FROM actions WHERE state = 'awaiting-admin'");
        return (
          incidents.length >= 4 && incidents.every((i) => finals.includes(i.state)) && asked.rows.length === 0
        );
      },
      180_000,
      "every incident final after the outage",
    );

    // Then every event, Warden's own writes' records included.
    await settle(w.db, w.queue, p, 180_000);
    const state = await settledState(w.db, p.tenantId);
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.events).toBe(p.sim.logs.eventCount());
    const incidents = (await listIncidents(w.db, p.tenantId)).filter((i) => i.state !== "merged");
    expect(
      incidents.map((i) => i.state),
      await whyNot(w.db, incidents, "auto-contained"),
    ).toEqual(incidents.map(() => "auto-contained"));
    for (const incident of incidents) {
      const actions = (await actionsOf(w.db, incident.id)).filter((a) => a.state !== "skipped");
      expect(actions.map((a) => `${a.action}:${a.state}`)).toEqual(actions.map((a) => `${a.action}:done`));
    }
    const writes = p.sim.directory.changes.map((c) => `${c.what} ${c.target}`);
    expect(writes.length, await whoWroteTwice(w, p.tenantId, p.sim.directory.changes)).toBe(
      new Set(writes).size,
    );

    // The faults happened, at scale.
    const log = p.sim.faults.log;
    expect(log.filter((r) => r.status === 429).length).toBeGreaterThan(20);
    expect(log.filter((r) => r.status === 500).length).toBeGreaterThan(0);
    expect(log.filter((r) => r.status === 503).length).toBeGreaterThan(5);
    expect(log.filter((r) => r.status === 0).length).toBeGreaterThan(0);
    expect(log.filter((r) => r.status === -1).length).toBeGreaterThan(0);
    // What waited is on the record the card is drawn from, with Microsoft's reason.
    const trails = (await Promise.all(incidents.map((i) => auditTrail(w.db, i.id)))).flat();
    const waits = trails.filter(
      (e) => e.action === "action-waiting" && String(e.detail?.["outcome"]).startsWith("waiting to retry: "),
    );
    expect(waits.length).toBeGreaterThan(0);
    // Limits kept through all of it: Graph reports, Identity Protection, ARM reads per subscription.
    expect(peak(log, (e) => e.includes("/auditLogs/"), 10_000)).toBeLessThanOrEqual(5);
    expect(peak(log, (e) => e.includes("/identityProtection/"), 1_000)).toBeLessThanOrEqual(1);
    for (const { subscriptionId } of p.sim.subscriptions) {
      expect(
        peak(log, (path) => path.toLowerCase().includes(`/subscriptions/${subscriptionId}/`), 1_000),
      ).toBeLessThanOrEqual(20);
    }
  }, 600_000);
});

/**
 * On a tenant write made twice, what made it: each write with its time, and every action (merged
 * incidents' included) on that target, with its attempts, state, outcome and trail.
 */
async function whoWroteTwice(
  w: Warden,
  tenantId: string,
  changes: readonly { at: number; what: string; target: string }[],
): Promise<string> {
  const seen = new Map<string, number>();
  for (const c of changes) seen.set(`${c.what} ${c.target}`, (seen.get(`${c.what} ${c.target}`) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const lines: string[] = [];
  for (const key of twice) {
    const target = key.split(" ")[1] ?? "";
    lines.push(
      `${key}: at ${changes
        .filter((c) => `${c.what} ${c.target}` === key)
        .map((c) => new Date(c.at).toISOString())
        .join(", ")}`,
    );
    for (const incident of await listIncidents(w.db, tenantId)) {
      for (const a of await actionsOf(w.db, incident.id)) {
        if (!JSON.stringify([a.target, a.plan, a.changed]).includes(target)) continue;
        lines.push(
          `  ${incident.id} (${incident.state}) ${a.action} attempts ${a.attempts} ${a.state}: ${a.outcome}`,
        );
        for (const e of await auditTrail(w.db, incident.id)) {
          if (e.detail?.["actionId"] === a.id)
            lines.push(
              `    ${new Date(e.at).toISOString()} ${e.action} ${String(e.detail?.["outcome"] ?? "")}`,
            );
        }
      }
    }
  }
  return lines.join("\n");
}

import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { countEvents } from "../../src/store/events-repo.js";
import { listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { EXPECTED_INCIDENTS, type PlayedSim, playingSim, until } from "../helpers/pipeline.js";

/**
 * With WARDEN_AUDIT_SOURCE=hunting, Entra's audit events and sign-ins come from Defender advanced hunting
 * (the seed queries in hunting/) instead of Graph's reports, and Azure activity from it besides each
 * subscription's Activity Log: the same incidents are found, and the reports quota is not spent.
 */

describe("Entra audit events from Defender advanced hunting", () => {
  let played: PlayedSim | undefined;
  let warden: Warden | undefined;
  const dataDir = `/tmp/warden-hunting-${process.pid}-${Date.now()}`;
  afterAll(async () => {
    await warden?.close();
    await played?.sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds every attack's incident without reading Graph's audit log", async () => {
    played = await playingSim(52, 8_000);
    const config = loadConfig({
      env: { ...played.env, WARDEN_DATA_DIR: dataDir, WARDEN_AUDIT_SOURCE: "hunting" },
    });
    warden = await openWarden(config, quietLogger("warn"));
    startWorker(warden);
    await startSchedules(warden);
    const w = warden;
    const p = played;
    const incidents = async () =>
      (await listIncidents(w.db, p.tenantId))
        .filter((i) => i.state !== "merged")
        .map((i) => [...i.rules].sort().join(","))
        .sort();
    await until(
      async () =>
        Date.now() > p.readableBy && JSON.stringify(await incidents()) === JSON.stringify(EXPECTED_INCIDENTS),
      // Hunting allows 45 queries a minute: once spent, the next waits out the rest of the minute.
      120_000,
      "the expected incidents",
    ).catch(async (error: Error) => {
      const hunted = p.sim.faults.log.filter((r) => r.path.includes("runHuntingQuery"));
      throw new Error(
        `${error.message}: found ${JSON.stringify(await incidents())}; ${hunted.length} hunting queries, the last ${Math.round((Date.now() - (hunted.at(-1)?.at ?? 0)) / 1000)} s ago; events stored ${await countEvents(w.db, p.tenantId)} of ${p.sim.logs.eventCount()}`,
      );
    });
    const endpoints = p.sim.faults.counts.byEndpoint;
    expect(endpoints["POST /v1.0/security/runHuntingQuery"]).toBeGreaterThan(0);
    expect(endpoints["GET /v1.0/auditLogs/directoryAudits"]).toBeUndefined();
    // Sign-ins too come from Defender (EntraIdSignInEvents), and Azure activity besides the Activity Log.
    expect(endpoints["GET /v1.0/auditLogs/signIns"]).toBeUndefined();
    const shapes = await w.db.query<{ shape: string; n: string }>(
      "SELECT body->>'shape' AS shape, count(*) AS n FROM events WHERE tenant_id = $1 GROUP BY 1",
      [p.tenantId],
    );
    const stored = new Map(shapes.rows.map((r) => [r.shape, Number(r.n)]));
    expect(stored.get("defender-sign-in") ?? 0).toBeGreaterThan(0);
    expect(stored.get("graph-sign-in")).toBeUndefined();
  }, 150_000);
});

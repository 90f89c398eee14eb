import { describe, expect, it } from "vitest";
import { countEvents } from "../../src/store/events-repo.js";
import { listIncidents } from "../../src/store/incidents-repo.js";
import { migrate } from "../../src/store/migrate.js";
import { administratorWatching, askedOfAnAdministrator } from "../helpers/administrator.js";
import {
  EXPECTED_INCIDENTS,
  exitOf,
  playingSim,
  readableEvents,
  settledState,
  startWarden,
  until,
} from "../helpers/pipeline.js";
import { freePort, PrivateRedis } from "../helpers/private-services.js";
import { cleanupsAfterAll } from "../helpers/resilience.js";
import { freshPostgres, postgresAvailable } from "../helpers/services.js";

/**
 * Redis dies twice without persistence, so the queue loses every job and schedule: once while the logs
 * are being polled, once while containment is writing to the tenant. The worker stays up, declares its
 * schedules again, and the reconciler puts back what the store says is due: every event is stored once,
 * each attack is one incident, every incident ends contained, and the tenant is written once per change.
 */

const withServices = await postgresAvailable();
const RECONCILE_SECONDS = 5;

describe.skipIf(!withServices)("Redis restarted empty, during polling and during containment", () => {
  const cleanups = cleanupsAfterAll();

  it("loses nothing, doubles nothing, leaves no incident unfinished", async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.stop());
    const played = await playingSim(71, 12_000);
    cleanups.push(() => played.sim.close());
    const pg = await freshPostgres();
    cleanups.push(pg.drop);
    await migrate(pg.db);
    const env = {
      ...played.env,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: "info",
      WARDEN_RECONCILE_SECONDS: String(RECONCILE_SECONDS),
      // An action running when its job was lost stays "running" until its lease lapses (30 s in
      // production); retries start at 1 s instead of 2.
      WARDEN_ACTION_LEASE_SECONDS: "8",
      WARDEN_RETRY_BASE_SECONDS: "1",
      WARDEN_AUTO_CONTAIN: "true",
      WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
      WARDEN_AUTO_SEVERITIES: "medium,high,critical",
    };
    const worker = startWarden("worker", env);
    cleanups.push(async () => {
      worker.kill("SIGKILL");
    });
    const restart = async () => {
      await redis.kill();
      await new Promise((r) => setTimeout(r, 2_000));
      await redis.start();
    };

    // 1. While polling: the first events are in, most of the day is still to come.
    await until(async () => (await countEvents(pg.db, played.tenantId)) > 0, 60_000, "the first events");
    await restart();
    const restartedDuringPolling = await countEvents(pg.db, played.tenantId);

    // 2. While containing: the moment Warden's first write reaches the tenant.
    let writing = false;
    played.sim.directory.onChange = () => {
      writing = true;
    };
    await until(async () => writing, 240_000, "containment writing to the tenant");
    played.sim.directory.onChange = undefined;
    await restart();
    const writesAtSecondRestart = played.sim.directory.changes.length;

    const finals = ["auto-contained", "contained", "partial", "failed", "merged"];
    // A Global Administrator blocks transfers when a card asks (Microsoft refuses it to apps); a check
    // for it lost with Redis is queued again by the reconciler.
    const administrator = administratorWatching(
      pg.db,
      played.sim.directory,
      played.day.breakGlass[0]?.id ?? "",
    );
    cleanups.push(async () => administrator.stop());
    await until(
      async () => {
        const incidents = await listIncidents(pg.db, played.tenantId);
        return (
          Date.now() > played.readableBy &&
          (await countEvents(pg.db, played.tenantId)) === readableEvents(played) &&
          incidents.length >= 4 &&
          incidents.every((i) => finals.includes(i.state)) &&
          !(await askedOfAnAdministrator(pg.db))
        );
      },
      180_000,
      "every event stored and every incident final",
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${worker.output.join("").slice(-4_000)}`);
    });

    const state = await settledState(pg.db, played.tenantId);
    expect(state.events).toBe(readableEvents(played));
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.findingsInIncidents).toBe(state.findings);
    const incidents = (await listIncidents(pg.db, played.tenantId)).filter((i) => i.state !== "merged");
    expect(incidents.map((i) => i.state)).toEqual(incidents.map(() => "auto-contained"));
    const writes = played.sim.directory.changes.map((c) => `${c.what} ${c.target}`);
    expect(writes.length, writes.join("\n")).toBe(new Set(writes).size);
    // The restarts really fell where they were meant to.
    expect(restartedDuringPolling).toBeLessThan(readableEvents(played));
    expect(writesAtSecondRestart).toBeLessThan(writes.length);
    // The worker rode both restarts out, and says it reconciled.
    expect(worker.exitCode).toBeNull();
    expect(worker.output.join("")).toContain("reconciled");
    worker.kill("SIGTERM");
    expect((await exitOf(worker)).code).toBe(0);
  }, 540_000);
});

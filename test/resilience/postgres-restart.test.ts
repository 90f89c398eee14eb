import { describe, expect, it } from "vitest";
import { QUEUE } from "../../src/jobs/queues.js";
import type { Database } from "../../src/store/database.js";
import { countEvents } from "../../src/store/events-repo.js";
import { auditTrail, listIncidents } from "../../src/store/incidents-repo.js";
import { openPostgres } from "../../src/store/postgres.js";
import { administratorWatching, askedOfAnAdministrator } from "../helpers/administrator.js";
import {
  EXPECTED_INCIDENTS,
  exitOf,
  playingSim,
  readableEvents,
  settledState,
  shortfall,
  startWarden,
  until,
} from "../helpers/pipeline.js";
import { freePort, PrivatePostgres } from "../helpers/private-services.js";
import { cleanupsAfterAll, privateQueue } from "../helpers/resilience.js";
import { REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * PostgreSQL stopped at once (connections cut, as in a crash or a failover) and started again, twice:
 * while the logs are being polled and while containment is writing to the tenant. The worker stays up;
 * failed jobs are retried; every event is stored once, each attack is one incident, every incident ends
 * contained, and the tenant is written once per change.
 */

const withServices = (await redisAvailable()) && PrivatePostgres.available();

describe.skipIf(!withServices)("PostgreSQL restarted, during polling and during containment", () => {
  const cleanups = cleanupsAfterAll();

  it("loses nothing, doubles nothing, leaves no incident unfinished", async () => {
    const postgres = new PrivatePostgres(await freePort());
    await postgres.create();
    cleanups.push(() => postgres.drop());
    const played = await playingSim(73, 12_000);
    cleanups.push(() => played.sim.close());
    const { queue, prefix } = privateQueue(cleanups);
    const env = {
      ...played.env,
      DATABASE_URL: postgres.url,
      REDIS_URL,
      WARDEN_QUEUE_PREFIX: prefix,
      LOG_LEVEL: "info",
      WARDEN_RECONCILE_SECONDS: "5",
      // An action whose outcome could not be recorded while the database was down stays "running" until
      // its lease lapses (30 s in production); retries start at 1 s instead of 2.
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
    // The test reads the store through connections of its own, opened again after each restart.
    let db: Database = await openPostgres(postgres.url);
    const reopen = async () => {
      await db.close().catch(() => undefined);
      db = await openPostgres(postgres.url);
    };
    cleanups.push(() => db.close());
    const restart = async () => {
      await postgres.stopNow();
      await new Promise((r) => setTimeout(r, 2_000));
      await postgres.start();
      await reopen();
    };
    const events = async () => countEvents(db, played.tenantId).catch(() => 0);

    await until(async () => (await events()) > 0, 60_000, "the first events");
    await restart();
    const restartedDuringPolling = await events();

    let writing = false;
    played.sim.directory.onChange = () => {
      writing = true;
    };
    await until(async () => writing, 240_000, "containment writing to the tenant");
    played.sim.directory.onChange = undefined;
    await restart();
    const writesAtSecondRestart = played.sim.directory.changes.length;

    const finals = ["auto-contained", "contained", "partial", "failed", "merged"];
    // A Global Administrator blocks transfers when a card asks (Microsoft refuses it to apps).
    const administrator = administratorWatching(
      () => db,
      played.sim.directory,
      played.day.breakGlass[0]?.id ?? "",
    );
    cleanups.push(async () => administrator.stop());
    await until(
      async () => {
        const incidents = await listIncidents(db, played.tenantId);
        return (
          Date.now() > played.readableBy &&
          (await events()) === readableEvents(played) &&
          incidents.length >= 4 &&
          incidents.every((i) => finals.includes(i.state)) &&
          !(await askedOfAnAdministrator(db))
        );
      },
      180_000,
      "every event stored and every incident final",
    ).catch(async (error: Error) => {
      // What fell short: events, or which incidents in which state.
      const incidents = await listIncidents(db, played.tenantId).catch(() => []);
      const trails = await Promise.all(
        incidents
          .filter((i) => !finals.includes(i.state))
          .map(async (i) => JSON.stringify((await auditTrail(db, i.id)).map((e) => [e.action, e.detail]))),
      );
      const perLog = await shortfall(db, played).catch(() => "");
      const where = `events ${await events()} of ${readableEvents(played)} (${perLog}); incidents ${incidents.map((i) => `${i.state} ${i.rules.join(",")}`).join("; ")}; unfinished: ${trails.join("\n")}`;
      throw new Error(`${error.message} (${where})\n${worker.output.join("").slice(-4_000)}`);
    });

    // Findings that join a contained incident may still add an action (a removal per subscription a VM
    // was created in), contained automatically in turn: the incidents are judged once the worker has
    // nothing left to detect, triage or contain, and every incident is final again.
    await until(
      async () => {
        const counts = await Promise.all(
          [QUEUE.detect, QUEUE.triage, QUEUE.contain].map((q) => queue.counts(q)),
        );
        const incidents = await listIncidents(db, played.tenantId);
        return (
          counts.every((c) => c.waiting + c.active === 0) &&
          incidents.every((i) => finals.includes(i.state)) &&
          !(await askedOfAnAdministrator(db)) &&
          // The administrator's own policy write is a record too, published when they act: read it.
          (await events()) === readableEvents(played)
        );
      },
      90_000,
      "the worker idle and every incident final",
    );
    const state = await settledState(db, played.tenantId);
    expect(state.events).toBe(readableEvents(played));
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.findingsInIncidents).toBe(state.findings);
    const incidents = (await listIncidents(db, played.tenantId)).filter((i) => i.state !== "merged");
    expect(incidents.map((i) => i.state)).toEqual(incidents.map(() => "auto-contained"));
    const writes = played.sim.directory.changes.map((c) => `${c.what} ${c.target}`);
    expect(writes.length, writes.join("\n")).toBe(new Set(writes).size);
    expect(restartedDuringPolling).toBeLessThan(readableEvents(played));
    expect(writesAtSecondRestart).toBeLessThan(writes.length);
    expect(worker.exitCode).toBeNull();
    // A worker told to stop exits once its work is done: it waited out its last failed requests'
    // two-minute deadlines before (94 s here), which an orchestrator would have answered with SIGKILL.
    worker.kill("SIGTERM");
    await until(async () => worker.exitCode !== null, 30_000, "the worker to exit after SIGTERM");
    expect((await exitOf(worker)).code).toBe(0);
  }, 540_000);
});

import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import type { Database } from "../../src/store/database.js";
import { countEvents } from "../../src/store/events-repo.js";
import {
  EXPECTED_INCIDENTS,
  exitOf,
  type PlayedSim,
  playingSim,
  settle,
  settledState,
  startWarden,
  until,
} from "../helpers/pipeline.js";
import { freshPostgres, postgresAvailable, REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * Real `warden worker` processes on one Redis and one PostgreSQL, polling the simulator through the
 * real SDKs: several at once double nothing, and one killed mid-run loses nothing.
 */

const withServices = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!withServices)("warden worker processes", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function setUp(
    seed: number,
  ): Promise<{ played: PlayedSim; db: Database; env: Record<string, string>; queue: BullMqQueue }> {
    const played = await playingSim(seed, 6_000);
    cleanups.push(() => played.sim.close());
    const pg = await freshPostgres();
    cleanups.push(pg.drop);
    const prefix = `warden-test-${randomBytes(4).toString("hex")}`;
    const queue = new BullMqQueue(REDIS_URL, prefix);
    cleanups.push(async () => {
      await queue.obliterate([QUEUE.poll, QUEUE.detect, QUEUE.triage]);
      await queue.close();
    });
    return {
      played,
      db: pg.db,
      env: { ...played.env, DATABASE_URL: pg.url, REDIS_URL, WARDEN_QUEUE_PREFIX: prefix },
      queue,
    };
  }

  it("two workers at once store each event once and find each incident once", async () => {
    const { played, db, env, queue } = await setUp(41);
    const workers = [
      startWarden("worker", { ...env, LOG_LEVEL: "info" }),
      startWarden("worker", { ...env, LOG_LEVEL: "info" }),
    ];
    cleanups.push(async () => {
      for (const w of workers) w.kill("SIGKILL");
    });
    await settle(db, queue, played);
    const state = await settledState(db, played.tenantId);
    expect(state.events).toBe(played.written);
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.findingsInIncidents).toBe(state.findings);
    // Both took part: each process logged polls of its own.
    for (const w of workers) expect(w.output.join("").split('"msg":"polled"').length - 1).toBeGreaterThan(0);
    for (const w of workers) w.kill("SIGTERM");
    const exits = await Promise.all(workers.map(exitOf));
    expect(
      exits.map((e) => e.code),
      workers.map((w) => w.output.join("")).join("\n"),
    ).toEqual([0, 0]);
  }, 120_000);

  it("a worker killed mid-run and started again loses nothing and doubles nothing", async () => {
    const { played, db, env, queue } = await setUp(43);
    const first = startWarden("worker", env);
    await until(async () => (await countEvents(db, played.tenantId)) > 0, 30_000, "the first events");
    first.kill("SIGKILL");
    expect((await exitOf(first)).signal).toBe("SIGKILL");
    const eventsAtKill = await countEvents(db, played.tenantId);
    expect(eventsAtKill).toBeLessThan(played.written);
    const second = startWarden("worker", env);
    cleanups.push(async () => {
      second.kill("SIGKILL");
    });
    // On a timeout, what each process said (they log at warn: failed polls, discoveries, departures).
    await settle(db, queue, played).catch((error: Error) => {
      const said = (w: { output: string[] }) => w.output.join("").slice(-6_000);
      throw new Error(`${error.message}\nfirst worker:\n${said(first)}\nsecond worker:\n${said(second)}`);
    });
    const state = await settledState(db, played.tenantId);
    expect(state.events).toBe(played.written);
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.findingsInIncidents).toBe(state.findings);
  }, 120_000);
});

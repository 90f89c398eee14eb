import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { exitOf, type PlayedSim, playingSim, startWarden, until } from "../helpers/pipeline.js";
import { freshPostgres, postgresAvailable, REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * Issue 24: orchestrators kill a process some seconds after SIGTERM (Container Apps and Kubernetes: 30 s).
 * A `warden worker` whose job waits on a request Microsoft never answers stops within its own bound
 * (WARDEN_SHUTDOWN_SECONDS), says what it left, and exits cleanly; without the bound it waited for the
 * request timeout (here ten minutes). A real process, on the machine's Redis and PostgreSQL.
 */

const withServices = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!withServices)("a worker told to stop", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("stops within its bound while a request hangs, and says the job goes back to the queue", async () => {
    const played: PlayedSim = await playingSim(41, 60_000);
    cleanups.push(() => played.sim.close());
    const pg = await freshPostgres();
    await pg.db.close();
    cleanups.push(pg.drop);
    const prefix = `warden-test-${randomBytes(4).toString("hex")}`;
    cleanups.push(async () => {
      const queue = new BullMqQueue(REDIS_URL, prefix);
      await queue.obliterate([QUEUE.poll, QUEUE.detect, QUEUE.triage]);
      await queue.close();
    });
    const worker = startWarden("worker", {
      ...played.env,
      DATABASE_URL: pg.url,
      REDIS_URL,
      WARDEN_QUEUE_PREFIX: prefix,
      LOG_LEVEL: "info",
      WARDEN_SHUTDOWN_SECONDS: "2",
      WARDEN_REQUEST_TIMEOUT_SECONDS: "600",
    });
    cleanups.push(async () => {
      worker.kill("SIGKILL");
    });
    await until(
      async () => worker.output.join("").includes('"msg":"started"'),
      60_000,
      "the worker to start",
    );
    // From now on Microsoft answers nothing: the next poll's request hangs.
    const from = Date.now();
    played.sim.faults.plan = { hang: { fraction: 1, until: Date.now() + 600_000 } };
    await until(
      async () => played.sim.faults.log.some((r) => r.at >= from && r.status === -1),
      30_000,
      "a request left hanging",
    );
    worker.kill("SIGTERM");
    const exited = await Promise.race([
      exitOf(worker),
      new Promise<"still running">((r) => setTimeout(() => r("still running"), 20_000)),
    ]);
    // Not a clean stop: it says so in its exit code too.
    expect(exited).toEqual({ code: 1, signal: null });
    const said = worker.output.join("");
    expect(said).toContain("stopping: finishing running jobs");
    expect(said).toContain("stopped before every running job finished");
  }, 120_000);
});

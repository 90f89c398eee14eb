import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { type Job, type JobQueue, PermanentError, RetryLater } from "../../src/jobs/queue/job-queue.js";
import { PrivateRedisCluster } from "../helpers/private-services.js";
import { REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * One contract, three queues: what the pipeline relies on holds for BullMQ on one Redis, on a Redis
 * Cluster of three nodes (Azure Managed Redis's default mode), and in process alike.
 */

const withRedis = await redisAvailable();
const cluster = withRedis ? new PrivateRedisCluster() : undefined;
await cluster?.start();
afterAll(async () => cluster?.stop());

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const makers: [string, boolean, () => JobQueue][] = [
  [
    "BullMQ on Redis",
    withRedis,
    () => new BullMqQueue(REDIS_URL, `warden-test-${randomBytes(4).toString("hex")}`),
  ],
  [
    "BullMQ on a Redis Cluster",
    cluster !== undefined,
    () =>
      new BullMqQueue(
        { url: cluster?.url ?? "", cluster: true },
        `warden-test-${randomBytes(4).toString("hex")}`,
      ),
  ],
  ["in-process", true, () => new InProcessQueue()],
];

for (const [name, available, make] of makers) {
  describe.skipIf(!available)(`the ${name} queue`, () => {
    let queue: JobQueue;
    afterEach(async () => {
      if (queue instanceof BullMqQueue) await queue.obliterate(["q"]).catch(() => undefined);
      await queue.close();
    });

    it("runs each job added once, with its data", async () => {
      queue = make();
      const seen: Job[] = [];
      queue.process("q", async (job) => {
        seen.push(job);
      });
      await queue.add("q", "poll", { tenant: "t1", n: 1 });
      await queue.add("q", "poll", { tenant: "t2", n: 2 });
      await until(() => seen.length === 2);
      expect(seen.map((j) => [j.name, j.data, j.attempt]).sort()).toEqual([
        ["poll", { tenant: "t1", n: 1 }, 1],
        ["poll", { tenant: "t2", n: 2 }, 1],
      ]);
    });

    it("turns a burst of the same key into one run, and queues one more while it runs", async () => {
      queue = make();
      let runs = 0;
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      for (let i = 0; i < 5; i++) await queue.add("q", "detect", { i }, { dedupeKey: "detect:t1" });
      queue.process("q", async () => {
        runs += 1;
        if (runs === 1) await gate;
      });
      await until(() => runs === 1);
      for (let i = 0; i < 5; i++) await queue.add("q", "detect", { i }, { dedupeKey: "detect:t1" });
      release();
      await until(() => runs === 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toBe(2);
    });

    it("retries a failing job with back-off, and gives up after its attempts", async () => {
      queue = make();
      const attempts: number[] = [];
      queue.process(
        "q",
        async (job) => {
          attempts.push(job.attempt);
          throw new Error("Graph said 503");
        },
        { attempts: 3, backoffMs: 20 },
      );
      await queue.add("q", "poll", {});
      await until(async () => (await queue.counts("q")).failed === 1);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it("does not retry a permanent error, and waits as told on RetryLater", async () => {
      queue = make();
      const calls: { name: string; at: number }[] = [];
      queue.process(
        "q",
        async (job) => {
          calls.push({ name: job.name, at: Date.now() });
          if (job.name === "forbidden") throw new PermanentError("403: AuditLog.Read.All is missing");
          if (job.name === "throttled" && job.attempt === 1) throw new RetryLater("429", 400);
        },
        { attempts: 5, backoffMs: 10 },
      );
      await queue.add("q", "forbidden", {});
      await queue.add("q", "throttled", {});
      await until(() => calls.filter((c) => c.name === "throttled").length === 2);
      await until(async () => (await queue.counts("q")).failed === 1);
      expect(calls.filter((c) => c.name === "forbidden")).toHaveLength(1);
      const [first, second] = calls.filter((c) => c.name === "throttled");
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(350);
    });

    it("repeats a scheduled job, one schedule per key however often it is declared", async () => {
      queue = make();
      let runs = 0;
      queue.process("q", async () => {
        runs += 1;
      });
      const declared = Date.now();
      await queue.repeat("q", "poll:t1:audits", "poll", { tenant: "t1" }, 200);
      await queue.repeat("q", "poll:t1:audits", "poll", { tenant: "t1" }, 200);
      // It runs (however slowly a loaded machine runs it)...
      await until(() => runs >= 5);
      // ...and no more often than one 200 ms schedule can (plus the run the in-process queue makes at
      // each declaration): two declarations running as two schedules would make about twice as many
      // runs. A busy machine only makes fewer runs per second, never more.
      expect(runs).toBeLessThanOrEqual(Math.floor((Date.now() - declared) / 200) + 2);
    });

    it("runs a long schedule once when it is declared again unchanged, as every process re-declares each minute", async () => {
      queue = make();
      let runs = 0;
      queue.process("q", async () => {
        runs += 1;
      });
      const week = 7 * 24 * 3_600_000;
      await queue.repeat("q", "posture:t1", "posture", { tenantId: "t1" }, week);
      await until(() => runs >= 1);
      await queue.repeat("q", "posture:t1", "posture", { tenantId: "t1" }, week);
      await queue.repeat("q", "posture:t1", "posture", { tenantId: "t1" }, week);
      await new Promise((r) => setTimeout(r, 800));
      // A weekly read of the whole tenant, not one a minute.
      expect(runs).toBe(1);
    });

    it("lists its schedules and ends one, which then stops running", async () => {
      queue = make();
      let runs = 0;
      queue.process("q", async () => {
        runs += 1;
      });
      await queue.repeat("q", "poll:t1:activity:a", "poll", {}, 200);
      await queue.repeat("q", "poll:t1:activity:b", "poll", {}, 10_000);
      expect((await queue.repeats("q")).sort()).toEqual(["poll:t1:activity:a", "poll:t1:activity:b"]);
      await queue.unrepeat("q", "poll:t1:activity:a");
      await queue.unrepeat("q", "poll:t1:activity:never-declared");
      expect(await queue.repeats("q")).toEqual(["poll:t1:activity:b"]);
      await new Promise((r) => setTimeout(r, 500));
      const settled = runs;
      await new Promise((r) => setTimeout(r, 800));
      // Four more ticks of the 200 ms schedule would have run by now had it not ended.
      expect(runs).toBe(settled);
    });

    it("lets a running job finish when closing", async () => {
      queue = make();
      let finished = false;
      let started = false;
      queue.process("q", async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      });
      await queue.add("q", "slow", {});
      await until(() => started);
      await queue.close();
      expect(finished).toBe(true);
      queue = make(); // afterEach closes it again
    });
  });
}

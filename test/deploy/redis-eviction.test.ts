import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, type Warden } from "../../src/app.js";
import { LIMITS } from "../../src/cloud/rate-limiter.js";
import { RedisRateLimiter } from "../../src/cloud/redis-rate-limiter.js";
import { loadConfig } from "../../src/config/index.js";
import { ConfigError } from "../../src/config/readers.js";
import { refuseEvictingRedis } from "../../src/jobs/queue/redis-eviction.js";
import { quietLogger } from "../helpers/logs.js";
import { freePort, PrivateRedis, PrivateRedisCluster } from "../helpers/private-services.js";
import { freshPostgres, postgresAvailable } from "../helpers/services.js";

/**
 * Issue 24: Azure Cache for Redis and Azure Managed Redis evict by default (volatile-lru), and a queue whose
 * keys are evicted loses work without a word. Warden refuses to start on such a Redis, saying what to set;
 * on one that keeps every key (noeviction, Debian's default) it starts. Real redis-server processes.
 */

const withPostgres = await postgresAvailable();
const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

describe.skipIf(!withPostgres)("Warden's Redis", () => {
  let redises: PrivateRedis[] = [];
  const cluster = new PrivateRedisCluster();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const opened: Warden[] = [];
  beforeAll(async () => {
    redises = [
      new PrivateRedis(await freePort(), ["--maxmemory-policy", "volatile-lru"]),
      new PrivateRedis(await freePort(), ["--maxmemory-policy", "noeviction"]),
    ];
    for (const r of redises) await r.start();
    await cluster.start();
    const pg = await freshPostgres();
    await pg.db.close();
    database = pg;
  });
  afterAll(async () => {
    for (const w of opened) await w.close();
    for (const r of redises) await r.stop();
    await cluster.stop();
    await database?.drop();
  });

  const open = (redisUrl: string) =>
    openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          DATABASE_URL: database?.url ?? "",
          REDIS_URL: redisUrl,
          WARDEN_QUEUE_PREFIX: `warden-eviction-${process.pid}`,
        },
      }),
      quietLogger("error"),
    );

  it("refuses one that evicts keys, saying which policy and how to fix it", async () => {
    const [lru] = redises;
    const refusal = await open(lru?.url ?? "").then(
      (w) => {
        opened.push(w);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as Error).message).toMatch(/maxmemory-policy volatile-lru.*noeviction/);
  });

  it("starts on one that keeps every key", async () => {
    const [, kept] = redises;
    const warden = await open(kept?.url ?? "");
    opened.push(warden);
    expect(warden.queue.kind).toBe("bullmq");
  });

  it("runs on a Redis Cluster (Azure Managed Redis's default mode): its queue and its shared rate limits", async () => {
    const warden = await open(cluster.url);
    opened.push(warden);
    const ran: unknown[] = [];
    warden.queue.process("cluster-check", async (job) => {
      ran.push(job.data);
    });
    await warden.queue.add("cluster-check", "check", { n: 1 }, { dedupeKey: "check:1" });
    const deadline = Date.now() + 15_000;
    while (ran.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([{ n: 1 }]);
    // The limits shared through the cluster: taken in Redis, never this process pacing itself alone.
    const alone: string[] = [];
    const limiter = new RedisRateLimiter(
      { url: cluster.url, cluster: true },
      "warden-eviction",
      5_000,
      (a, why) => {
        if (a) alone.push(why);
      },
    );
    try {
      for (let i = 0; i < 3; i++) (await limiter.take(`graphReports:${TENANT}`, LIMITS.graphReports))();
      expect(alone).toEqual([]);
    } finally {
      await limiter.close();
    }
  });

  it("takes a cluster it cannot reach at start for what WARDEN_REDIS_CLUSTER says, and says what to set", async () => {
    const said: string[] = [];
    const log = { warn: (_f: unknown, m: string) => void said.push(m) } as unknown as Parameters<
      typeof refuseEvictingRedis
    >[1];
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    expect(await refuseEvictingRedis(nowhere, log, "true")).toEqual({ url: nowhere, cluster: true });
    expect(await refuseEvictingRedis(nowhere, log)).toEqual({ url: nowhere, cluster: false });
    expect(said.at(-1)).toMatch(/for a Redis Cluster set WARDEN_REDIS_CLUSTER=true/);
  });
});

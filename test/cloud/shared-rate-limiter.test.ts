import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { RedisRateLimiter } from "../../src/cloud/redis-rate-limiter.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { REDIS_URL, redisAvailable } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Identity Protection and conditional access answer 1 request a second per tenant, for all apps (Microsoft
 * Graph service-specific throttling limits): three Warden processes each pacing itself sent three times
 * that (issue 18, point 7). Three limiters, each with its own Redis connection as each process has, share
 * the limit through Redis; three in-process ones, the old way, do not.
 */

const TENANT = "5b5b5b5b-0000-4000-8000-00000000005b";
const withRedis = await redisAvailable();
let sim: SimCloud;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sim = await simCloud(TENANT, []);
});
afterAll(async () => {
  for (const close of closers) await close();
  await sim?.close();
});

/** A Graph client as one Warden process has it, with the limiter it was given. */
function processWith(limiter: RateLimiter): GraphDirectory {
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  return new GraphDirectory(credential, sim.url, TENANT, limiter);
}

/** Three processes reading risky users at once, three times each; the simulator's refusals meanwhile. */
async function threeProcesses(limiters: RateLimiter[]): Promise<number> {
  const before = sim.limits.refused.length;
  await Promise.all(
    limiters.map(async (limiter) => {
      const graph = processWith(limiter);
      for (let i = 0; i < 3; i++) await graph.riskyUsers();
    }),
  );
  return sim.limits.refused.slice(before).filter((r) => r.path.includes("/identityProtection/")).length;
}

describe.skipIf(!withRedis)("the rate limiter shared through Redis", () => {
  it("keeps three processes together within Identity Protection's 1 request/s per tenant", async () => {
    const prefix = `warden-test-${randomBytes(4).toString("hex")}`;
    const shared = [0, 1, 2].map(() => new RedisRateLimiter(REDIS_URL, prefix));
    for (const limiter of shared) closers.push(() => limiter.close());
    const started = Date.now();
    expect(await threeProcesses(shared)).toBe(0);
    // Nine requests at one a second: about eight seconds, whoever sent them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
  }, 60_000);

  it("frees a slot whose holder died mid-request after its lease, and keeps a live holder's for as long as it runs", async () => {
    const prefix = `warden-lease-${randomBytes(4).toString("hex")}`;
    const limit = { requests: 1, windowMs: 200 };
    const lease = 1_000;
    const make = () => new RedisRateLimiter(REDIS_URL, prefix, 120_000, () => undefined, lease);
    const outcome = (taking: Promise<() => void>, ms: number) =>
      Promise.race([
        taking.then((release) => ({ took: true as const, release })),
        new Promise<{ took: false }>((r) => setTimeout(() => r({ took: false }), ms)),
      ]);
    // A live holder renews its slot: another process waits for as long as the request runs.
    const live = make();
    const other = make();
    closers.push(
      () => live.close(),
      () => other.close(),
    );
    const held = await live.take("identityProtection:t", limit);
    const meanwhile = other.take("identityProtection:t", limit);
    expect((await outcome(meanwhile, 3 * lease)).took).toBe(false);
    held();
    const next = await outcome(meanwhile, 5_000);
    expect(next.took).toBe(true);
    if (next.took) next.release();
    // A holder killed mid-request (its connection gone, nothing released): its slot ends with its lease,
    // not with the two-minute request timeout.
    const dying = make();
    await dying.take("identityProtection:t", limit);
    await dying.close();
    const after = await outcome(other.take("identityProtection:t", limit), 10 * lease);
    expect(after.took).toBe(true);
    if (after.took) after.release();
  });

  it("where three limiters in process memory, one a process, send three times the rate and are refused", async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await threeProcesses([new RateLimiter(), new RateLimiter(), new RateLimiter()])).toBeGreaterThan(
      0,
    );
  }, 60_000);
});

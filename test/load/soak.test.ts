import { describe, expect, it } from "vitest";
import { runSoak } from "../../bench/soak.js";
import { ADMIN_DATABASE_URL, postgresAvailable, REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * The soak of `npm run soak` (docs/performance.md), shorter and slower for CI: a real worker reads a
 * tenant logging thousands of events a second among the four attacks. Each event is stored once, each
 * attack found and nothing else, the worker never falls more than 40 s behind, catches up once the
 * tenant stops, and its memory stays bounded.
 */

const withServices = (await postgresAvailable()) && (await redisAvailable());
// Below what this machine holds alone (docs/performance.md): CI runs other test files beside it.
const RATE = 2_000;
const SECONDS = 60;

describe.skipIf(!withServices)("the soak, short", () => {
  it(`holds ${RATE} events a second for ${SECONDS} s`, async () => {
    const result = await runSoak({
      seconds: SECONDS,
      rate: RATE,
      subscriptions: 8,
      sampleEveryMs: 5_000,
      databaseAdminUrl: ADMIN_DATABASE_URL,
      redisUrl: REDIS_URL,
      log: () => undefined,
    });
    const summary = JSON.stringify({ ...result, samples: result.samples.slice(-8) });
    expect(result.loggedPerSecond, summary).toBeGreaterThan(RATE * 0.9);
    expect(result.drainSeconds, summary).not.toBeNull();
    // Each event once: every event logged is stored, and the store holds no more (ids are unique).
    expect(result.stored, summary).toBe(result.logged);
    expect(result.missingAttacks, summary).toEqual([]);
    expect(result.extraIncidents, summary).toEqual([]);
    const during = result.samples.filter((s) => s.at <= SECONDS && s.at > SECONDS / 2);
    expect(during.length).toBeGreaterThan(3);
    expect(Math.max(...during.map((s) => s.backlog)), summary).toBeLessThan(RATE * 40);
    expect(Math.max(...result.samples.map((s) => s.rssMiB)), summary).toBeLessThan(1_024);
    expect(result.workerExit, summary).toBe(0);
  }, 400_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { discoverHandler } from "../../src/jobs/handlers/discover-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import type { Job } from "../../src/jobs/queue/job-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { Database } from "../../src/store/database.js";
import { countEvents, eventsAfter } from "../../src/store/events-repo.js";
import { advanceWatermark } from "../../src/store/watermarks-repo.js";
import { capturedLogs } from "../helpers/logs.js";
import { freshPglite } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Discovery keeps one activity-log poller per subscription in the directory, and ends a departed one's
 * after recording the departure as an event Warden observed (its move's own record may never be read).
 */

const TENANT = "3d1f0a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const STAYS = "11111111-2222-4333-8444-555555555555";
const LEAVES = "66666666-7777-4888-8999-aaaaaaaaaaaa";
/** The job the schedule queues: discovery of the tenant's subscriptions. */
const DISCOVER_JOB: Job = { id: "discover-1", name: "discover", data: { tenantId: TENANT }, attempt: 1 };

describe("discover", () => {
  let sim: SimCloud;
  let db: Database;
  let drop: () => Promise<void>;
  const queue = new InProcessQueue();
  const { log, lines } = capturedLogs();

  beforeAll(async () => {
    sim = await simCloud(TENANT, [STAYS, LEAVES]);
    ({ db, drop } = await freshPglite());
  });
  afterAll(async () => {
    await queue.close();
    await sim.close();
    await drop?.();
  });

  it("schedules each subscription, then records one that left the directory, stops polling it, and says so", async () => {
    const credential = credentialFor(TENANT, {
      clientId: SIM_APP.clientId,
      clientSecret: SIM_APP.clientSecret,
      endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
    });
    const arm = new ArmActivity(credential, sim.url, TENANT, new RateLimiter());
    // Polls are not processed here: only which schedules exist is under test.
    await queue.repeat(QUEUE.poll, `poll:${TENANT}:directoryAudits:`, "poll", {}, 3_600_000);
    // The tenant-level activity log's poller shares the prefix; it is no subscription's and must stay.
    await queue.repeat(QUEUE.poll, `poll:${TENANT}:activity:tenant`, "poll", {}, 3_600_000);
    const observedAt = Date.parse("2026-12-01T10:00:00Z");
    const discover = discoverHandler({
      arm,
      db,
      queue,
      tenantId: TENANT,
      pollEveryMs: 3_600_000,
      now: () => observedAt,
    });
    await discover(DISCOVER_JOB, { log });
    expect((await queue.repeats(QUEUE.poll)).sort()).toEqual(
      [
        `poll:${TENANT}:activity:${LEAVES}`,
        `poll:${TENANT}:activity:${STAYS}`,
        `poll:${TENANT}:activity:tenant`,
        `poll:${TENANT}:directoryAudits:`,
      ].sort(),
    );

    expect(await countEvents(db, TENANT, "observations")).toBe(0);
    expect((await queue.counts(QUEUE.detect)).waiting).toBe(0);

    // Its log was last read at 09:58; then it left.
    const lastRead = new Date("2026-12-01T09:58:00Z");
    await advanceWatermark(db, TENANT, "activity", LEAVES, lastRead);
    const index = sim.directory.subscriptions.findIndex((s) => s.subscriptionId === LEAVES);
    sim.directory.subscriptions.splice(index, 1);
    await discover(DISCOVER_JOB, { log });
    expect((await queue.repeats(QUEUE.poll)).sort()).toEqual(
      [
        `poll:${TENANT}:activity:${STAYS}`,
        `poll:${TENANT}:activity:tenant`,
        `poll:${TENANT}:directoryAudits:`,
      ].sort(),
    );
    const warning = lines.find((l) => l["subscriptionId"] === LEAVES);
    expect(warning?.["msg"]).toBe(
      "a subscription left the directory: its activity log is no longer polled, and its departure is detected",
    );
    // The departure, as an event Warden observed, and detection asked to read it.
    const stored = (await eventsAfter(db, TENANT, 0, 10)).map((e) => e.event);
    expect(stored).toEqual([
      {
        id: `warden:subscription-gone:${LEAVES}:${lastRead.getTime()}`,
        source: "warden",
        shape: "warden-observation",
        tenantId: TENANT,
        time: observedAt,
        operation: "Warden/subscriptionNoLongerListed",
        succeeded: true,
        kind: "subscription-gone",
        subscriptionId: LEAVES,
        lastReadAt: lastRead.getTime(),
      },
    ]);
    expect(await countEvents(db, TENANT, "observations")).toBe(1);
    expect(await countEvents(db, TENANT)).toBe(0);
    expect((await queue.counts(QUEUE.detect)).waiting).toBe(1);

    // A discovery that stored the observation but failed to end the poller runs again: stored once.
    await queue.repeat(QUEUE.poll, `poll:${TENANT}:activity:${LEAVES}`, "poll", {}, 3_600_000);
    await discover(DISCOVER_JOB, { log });
    expect(await countEvents(db, TENANT, "observations")).toBe(1);
    expect(await queue.repeats(QUEUE.poll)).not.toContain(`poll:${TENANT}:activity:${LEAVES}`);
  });

  it("keeps a subscription missing from one listing whose log still answers, and records nothing", async () => {
    const credential = credentialFor(TENANT, {
      clientId: SIM_APP.clientId,
      clientSecret: SIM_APP.clientSecret,
      endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
    });
    const arm = new ArmActivity(credential, sim.url, TENANT, new RateLimiter());
    // A listing that leaves out STAYS, as an eventually consistent ARM answer might: the glitch is
    // Microsoft's and cannot be made in the simulator, which lists what it holds; the log is read there.
    const glitching = Object.assign(Object.create(arm) as ArmActivity, {
      subscriptions: async () => (await arm.subscriptions()).filter((s) => s.subscriptionId !== STAYS),
    });
    const before = await countEvents(db, TENANT, "observations");
    await discoverHandler({
      arm: glitching,
      db,
      queue,
      tenantId: TENANT,
      pollEveryMs: 3_600_000,
      now: Date.now,
    })(DISCOVER_JOB, { log });
    expect(await queue.repeats(QUEUE.poll)).toContain(`poll:${TENANT}:activity:${STAYS}`);
    expect(await countEvents(db, TENANT, "observations")).toBe(before);
    expect(lines.find((l) => l["subscriptionId"] === STAYS)?.["msg"]).toBe(
      "a subscription is missing from the listing but its activity log still answers: kept",
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { discoverHandler } from "../../src/jobs/handlers/discover-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { capturedLogs } from "../helpers/logs.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/** Discovery keeps one activity-log poller per subscription in the directory, and ends a departed one's. */

const TENANT = "3d1f0a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const STAYS = "11111111-2222-4333-8444-555555555555";
const LEAVES = "66666666-7777-4888-8999-aaaaaaaaaaaa";

describe("discover", () => {
  let sim: SimCloud;
  const queue = new InProcessQueue();
  const { log, lines } = capturedLogs();

  beforeAll(async () => {
    sim = await simCloud(TENANT, [STAYS, LEAVES]);
  });
  afterAll(async () => {
    await queue.close();
    await sim.close();
  });

  it("schedules each subscription, then stops polling one that left the directory, and says so", async () => {
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
    const discover = discoverHandler(arm, queue, TENANT, 3_600_000, log);
    await discover();
    expect((await queue.repeats(QUEUE.poll)).sort()).toEqual(
      [
        `poll:${TENANT}:activity:${LEAVES}`,
        `poll:${TENANT}:activity:${STAYS}`,
        `poll:${TENANT}:activity:tenant`,
        `poll:${TENANT}:directoryAudits:`,
      ].sort(),
    );

    const index = sim.directory.subscriptions.findIndex((s) => s.subscriptionId === LEAVES);
    sim.directory.subscriptions.splice(index, 1);
    await discover();
    expect((await queue.repeats(QUEUE.poll)).sort()).toEqual(
      [
        `poll:${TENANT}:activity:${STAYS}`,
        `poll:${TENANT}:activity:tenant`,
        `poll:${TENANT}:directoryAudits:`,
      ].sort(),
    );
    const warning = lines.find((l) => l["subscriptionId"] === LEAVES);
    expect(warning?.["msg"]).toBe("a subscription left the directory: its activity log is no longer polled");
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { QUEUE } from "../../src/jobs/queues.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { quietLogger } from "../helpers/logs.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Schedules outlive the process that declared them (BullMQ keeps them in Redis): a tenant-wide source
 * turned off since must be stopped by the next start, or `WARDEN_ALERTS=off`, the remedy the alerts poll's
 * own error names, would change nothing.
 */

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

describe("the poll schedules", () => {
  let sim: SimCloud | undefined;
  let warden: Warden | undefined;
  afterAll(async () => {
    await warden?.close();
    await sim?.close();
  });

  it("poll Microsoft's alerts by default, and stop when WARDEN_ALERTS=off, keeping every other schedule", async () => {
    sim = await simCloud(TENANT, []);
    const env = {
      WARDEN_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: SIM_APP.clientId,
      AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
      WARDEN_GRAPH_URL: sim.url,
      WARDEN_ARM_URL: sim.url,
      WARDEN_AUTHORITY_URL: sim.url,
      WARDEN_DATA_DIR: `/tmp/warden-schedules-${process.pid}-${Date.now()}`,
    };
    warden = await openWarden(loadConfig({ env }), quietLogger("error"));
    const subscription =
      "poll:8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13:activity:11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    // A subscription's log, as discovery schedules it: not startSchedules' to end.
    await warden.queue.repeat(QUEUE.poll, subscription, "poll", { tenantId: TENANT }, 60_000);
    await startSchedules(warden);
    const before = await warden.queue.repeats(QUEUE.poll);
    expect(before).toContain(`poll:${TENANT}:alerts:`);
    const off = loadConfig({ env: { ...env, WARDEN_ALERTS: "off" } });
    await startSchedules({ ...warden, config: off } as Warden);
    const after = await warden.queue.repeats(QUEUE.poll);
    expect(after.sort()).toEqual(before.filter((k) => k !== `poll:${TENANT}:alerts:`).sort());
    expect(after).toContain(subscription);
    // The weekly posture read is scheduled too, and WARDEN_POSTURE_EVERY_HOURS=off ends it alone.
    expect(after).toContain(`posture:${TENANT}`);
    const noPosture = loadConfig({ env: { ...env, WARDEN_POSTURE_EVERY_HOURS: "off" } });
    await startSchedules({ ...warden, config: noPosture } as Warden);
    const without = await warden.queue.repeats(QUEUE.poll);
    expect(without.sort()).toEqual(before.filter((k) => k !== `posture:${TENANT}`).sort());
  });
});

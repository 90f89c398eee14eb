import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { SecurityEvent } from "../../src/detect/event.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { eventsAfter, storeEvents } from "../../src/store/events-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

function eventAt(id: string, time: number): SecurityEvent {
  return {
    id,
    source: "entra-audit",
    shape: "graph-directory-audit",
    tenantId: TENANT,
    time,
    operation: "Update user",
    succeeded: true,
    kind: "other",
  };
}

describe("event retention", () => {
  let sim: SimCloud | undefined;
  let warden: Warden | undefined;
  afterAll(async () => {
    await warden?.close();
    await sim?.close();
  });

  it("is scheduled by the worker and deletes only events older than WARDEN_EVENT_RETENTION_DAYS", async () => {
    sim = await simCloud(TENANT, []);
    const config = loadConfig({
      env: {
        WARDEN_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: SIM_APP.clientId,
        AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
        WARDEN_GRAPH_URL: sim.url,
        WARDEN_ARM_URL: sim.url,
        WARDEN_AUTHORITY_URL: sim.url,
        WARDEN_DATA_DIR: `/tmp/warden-retention-${process.pid}-${Date.now()}`,
        WARDEN_EVENT_RETENTION_DAYS: "2",
      },
    });
    warden = await openWarden(config, quietLogger("error"));
    const day = 86_400_000;
    await storeEvents(warden.db, [
      eventAt("three-days-old", Date.now() - 3 * day),
      eventAt("yesterday", Date.now() - day),
    ]);
    startWorker(warden);
    await startSchedules(warden);
    const w = warden;
    await until(
      async () => (await eventsAfter(w.db, TENANT, 0, 10)).length === 1,
      20_000,
      "the old event to be deleted",
    );
    expect((await eventsAfter(w.db, TENANT, 0, 10)).map((s) => s.event.id)).toEqual(["yesterday"]);
    // Opening the embedded store (PGlite) can take over 30 s on a loaded 2-core machine.
  }, 90_000);
});

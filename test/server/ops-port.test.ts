import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { openWarden, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createOpsApp, createWebApp, listen } from "../../src/server/web.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { quietLogger } from "../helpers/logs.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Issue 24: the web process faces the internet for Teams. With WARDEN_OPS_PORT its readiness (which
 * names what failed), metrics and dashboard move to a port of their own that stays inside; the public
 * port answers /api/messages and /healthz only.
 */

const TENANT = "7e7e7e7e-0000-4000-8000-00000000007e";

describe("the web process's operations port", () => {
  let sim: SimCloud | undefined;
  let warden: Warden | undefined;
  const servers: { close(): void }[] = [];
  afterAll(async () => {
    for (const s of servers) s.close();
    await warden?.close();
    await sim?.close();
  });

  it("takes readiness and metrics off the public port when set", async () => {
    sim = await simCloud(TENANT, []);
    warden = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: SIM_APP.clientId,
          AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
          WARDEN_GRAPH_URL: sim.url,
          WARDEN_ARM_URL: sim.url,
          WARDEN_AUTHORITY_URL: sim.url,
          WARDEN_DATA_DIR: `/tmp/warden-ops-port-${process.pid}-${Date.now()}`,
          WARDEN_OPS_PORT: "0",
        },
      }),
      quietLogger("error"),
    );
    const serve = async (app: Parameters<typeof listen>[0]) => {
      const server = await listen(app, 0, "127.0.0.1");
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const web = await serve(createWebApp(warden));
    const ops = await serve(createOpsApp(warden));
    expect((await fetch(`${web}/healthz`)).status).toBe(200);
    expect((await fetch(`${web}/readyz`)).status).toBe(404);
    expect((await fetch(`${web}/metrics`)).status).toBe(404);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    expect((await fetch(`${ops}/metrics`)).status).toBe(200);
  });
});

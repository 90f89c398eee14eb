import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden } from "../../src/app.js";
import { botTokenCheck } from "../../src/bot/adapter.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { graphScopeFor } from "../../src/cloud/scopes.js";
import { identityFromToken } from "../../src/cloud/token-identity.js";
import { loadConfig } from "../../src/config/index.js";
import { createOpsApp, listen } from "../../src/server/web.js";
import { SIM_APP } from "../../src/sim/cloud/sim-app.js";
import { type SimCloud, startSimCloud } from "../../src/sim/cloud/sim-server.js";
import { quietLogger } from "../helpers/logs.js";

/**
 * Issue 24: Warden in Azure signs in as a managed identity. App Service and Container Apps give it an
 * identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER), which `@azure/identity` reads; the simulator
 * serves one on loopback. With a system-assigned identity no client id is configured anywhere: Warden
 * learns its own app and service principal from the token, so its own changes in the logs stay its own.
 */

const TENANT = "6d6d6d6d-0000-4000-8000-00000000006d";
const IDENTITY = {
  clientId: "a1b2c3d4-0000-4000-8000-0000000000a1",
  servicePrincipalId: "b1b2b3b4-0000-4000-8000-0000000000b1",
  identityHeader: "identity-header-of-this-container",
  displayName: "warden (managed identity)",
};
let sim: SimCloud;
const saved: Record<string, string | undefined> = {};
const ENV = [
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_TENANT_ID",
];

beforeAll(async () => {
  sim = await startSimCloud({ tenantId: TENANT, apps: [{ ...SIM_APP }, IDENTITY], subscriptions: [] });
  for (const name of ENV) saved[name] = process.env[name];
  for (const name of ENV) delete process.env[name];
  process.env["IDENTITY_ENDPOINT"] = `${sim.url}/msi/token`;
  process.env["IDENTITY_HEADER"] = IDENTITY.identityHeader;
});
afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await sim?.close();
});

describe("a managed identity", () => {
  it("signs Warden in with no secret and no client id, and names Warden's own ids in its token", async () => {
    // No client id, no secret: the default chain, which finds the identity endpoint.
    const credential = makeCredential(
      { tenantId: TENANT },
      { graph: sim.url, arm: sim.url, authority: sim.url },
    );
    const token = await credential.getToken(graphScopeFor(sim.url));
    expect(identityFromToken(token?.token ?? "")).toEqual({
      appId: IDENTITY.clientId,
      servicePrincipalId: IDENTITY.servicePrincipalId,
    });
    // Its token names its tenant, as Entra's do.
    const claims = JSON.parse(Buffer.from((token?.token ?? "").split(".")[1] ?? "", "base64url").toString());
    expect(claims).toMatchObject({ tid: TENANT, idtyp: "app" });
    // Graph answers it as the identity it is.
    const graph = new GraphDirectory(credential, sim.url, TENANT, new RateLimiter());
    expect(await graph.trustedNamedRanges()).toEqual([]);
    const asked = sim.faults.log.filter((r) => r.path === "/msi/token");
    expect(asked.length).toBeGreaterThan(0);
  });

  it("is refused a token with another container's header", async () => {
    const res = await fetch(
      `${sim.url}/msi/token?api-version=2019-08-01&resource=${encodeURIComponent("https://graph.microsoft.com")}`,
      { headers: { "X-IDENTITY-HEADER": "someone-elses" } },
    );
    expect(res.status).toBe(400);
  });

  it("gives a bot of type UserAssignedMSI its token, which readiness proves, and refuses an identity that is not there", async () => {
    const bot = { appType: "UserAssignedMSI" as const, appTenantId: TENANT, localMode: false, approvers: [] };
    const check = botTokenCheck({ ...bot, appId: IDENTITY.clientId });
    expect(check).toBeDefined();
    await check?.();
    const asked = sim.faults.log.filter((r) => r.path === "/msi/token").length;
    const missing = botTokenCheck({ ...bot, appId: "c0c0c0c0-0000-4000-8000-0000000000c0" });
    await expect(missing?.()).rejects.toThrow();
    expect(sim.faults.log.filter((r) => r.path === "/msi/token").length).toBeGreaterThan(asked);
    // With the simulated Bot Framework (the demo, the tests) there is nothing to prove.
    expect(
      botTokenCheck({ ...bot, appId: IDENTITY.clientId, openIdMetadataUrl: "http://127.0.0.1:1/x" }),
    ).toBe(undefined);
  });

  it("makes /readyz say whether the bot can get its token", async () => {
    const readiness = async (botAppId: string) => {
      const warden = await openWarden(
        loadConfig({
          env: {
            WARDEN_TENANT_ID: TENANT,
            WARDEN_GRAPH_URL: sim.url,
            WARDEN_ARM_URL: sim.url,
            WARDEN_AUTHORITY_URL: sim.url,
            WARDEN_DATA_DIR: `/tmp/warden-bot-readiness-${process.pid}-${Date.now()}`,
            MICROSOFT_APP_TYPE: "UserAssignedMSI",
            MICROSOFT_APP_ID: botAppId,
            MICROSOFT_APP_TENANT_ID: TENANT,
          },
        }),
        quietLogger("error"),
      );
      const server = await listen(createOpsApp(warden), 0, "127.0.0.1");
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
        return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
      } finally {
        server.close();
        await warden.close();
      }
    };
    const good = await readiness(IDENTITY.clientId);
    expect(good.status).toBe(200);
    expect(good.body.checks["botToken"]).toBe("ok");
    const bad = await readiness("c0c0c0c0-0000-4000-8000-0000000000c0");
    expect(bad.status).toBe(503);
    expect(bad.body.checks["botToken"]).toMatch(/^failed/);
  });
});

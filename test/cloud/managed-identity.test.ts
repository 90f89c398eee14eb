import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { graphScopeFor } from "../../src/cloud/scopes.js";
import { identityFromToken } from "../../src/cloud/token-identity.js";
import { SIM_APP } from "../../src/sim/cloud/sim-app.js";
import { type SimCloud, startSimCloud } from "../../src/sim/cloud/sim-server.js";

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
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GLOBAL_GRAPH_SCOPE } from "../../src/cloud/scopes.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * The simulator refuses what Microsoft Graph refuses over its documented limits (Microsoft Graph
 * service-specific throttling limits): a client that sends more is answered 429, with Retry-After for the
 * reports and without it for Identity Protection and conditional access.
 */

const TENANT = "4a4a4a4a-0000-4000-8000-00000000004a";
let sim: SimCloud;
let token: string;

beforeAll(async () => {
  sim = await simCloud(TENANT, []);
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  token = (await credential.getToken(GLOBAL_GRAPH_SCOPE))?.token ?? "";
});
afterAll(async () => sim?.close());

const get = (path: string) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe("Microsoft Graph's documented limits, in the simulator", () => {
  it("answers a second Identity Protection request within a second 429, without Retry-After", async () => {
    const first = await get("/v1.0/identityProtection/riskDetections");
    const second = await get("/v1.0/identity/conditionalAccess/policies");
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("TooManyRequests");
    // A second later the tenant may ask again.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await get("/v1.0/identityProtection/riskyUsers")).status).toBe(200);
  });

  it("answers a sixth report request within 10 seconds 429, with Retry-After", async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get("/v1.0/auditLogs/directoryAudits"));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[5]?.status).toBe(429);
    expect(Number(answers[5]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(sim.limits.refused.map((r) => r.limit)).toEqual([
      "identity protection and conditional access",
      "identity and access reports",
    ]);
  });

  it("counts the authentication methods report and signInActivity as reports, and signInActivity 10 a minute", async () => {
    // The reports window above is still full: the registration report is refused with it.
    const report = await get("/v1.0/reports/authenticationMethods/userRegistrationDetails");
    expect(report.status).toBe(429);
    await new Promise((r) => setTimeout(r, 10_100));
    const signIns = [];
    for (let i = 0; i < 5; i++) signIns.push(await get("/v1.0/users?$select=id,signInActivity"));
    expect(signIns.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // A sixth within 10 s: over the reports' limit, whatever else it reads.
    expect((await get("/v1.0/users?$select=signInActivity")).status).toBe(429);
    // Users without signInActivity are identity reads, not reports.
    expect((await get("/v1.0/users?$select=id,displayName")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 10_100));
    for (let i = 0; i < 5; i++) expect((await get("/v1.0/users?$select=signInActivity")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 10_100));
    // Ten within the minute: the eleventh is over signInActivity's own limit.
    const eleventh = await get("/v1.0/users?$select=signInActivity");
    expect(eleventh.status).toBe(429);
    expect(sim.limits.refused.at(-1)?.limit).toBe("signInActivity");
  }, 60_000);
});

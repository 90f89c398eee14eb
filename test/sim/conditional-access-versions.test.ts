import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GLOBAL_GRAPH_SCOPE } from "../../src/cloud/scopes.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { ConditionalAccessPolicy } from "../../src/sim/tenant/model.js";
import { Csdl } from "../helpers/csdl.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Conditional access in Graph v1.0 and beta: beta shows continuous access evaluation (a beta-only session
 * control), v1.0 leaves out what its schema lacks; both share the 1 request/s limit; reads are refused
 * without Policy.Read.All; without a premium licence policies can still be read and deleted, not written.
 */

const TENANT = "6c6c6c6c-0000-4000-8000-00000000006c";
const V1 = "/v1.0/identity/conditionalAccess/policies";
const BETA = "/beta/identity/conditionalAccess/policies";
const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);
let sim: SimCloud;
let token: string;

const STRICT = "11111111-0000-4000-8000-000000000001";
const LOCATION = "11111111-0000-4000-8000-000000000002";
const policy = (id: string, mode: string): ConditionalAccessPolicy => ({
  id,
  displayName: `CAE ${mode}`,
  state: "enabled",
  createdDateTime: "2025-03-01T00:00:00.000Z",
  modifiedDateTime: null,
  conditions: {
    users: {
      includeUsers: [],
      excludeUsers: [],
      includeGroups: ["22222222-0000-4000-8000-000000000001"],
      excludeGroups: [],
      includeRoles: ["62e90394-69f5-4237-9190-012177145e10"],
      excludeRoles: [],
    },
    applications: { includeApplications: ["All"], excludeApplications: [], includeUserActions: [] },
    clientAppTypes: ["all"],
    userRiskLevels: [],
    signInRiskLevels: [],
    locations: null,
    platforms: null,
    // Beta-only: the device-state condition v1.0 does not have.
    deviceStates: null,
  },
  grantControls: {
    operator: "OR",
    builtInControls: ["mfa"],
    customAuthenticationFactors: [],
    termsOfUse: [],
  },
  sessionControls: {
    signInFrequency: { value: 4, type: "hours", isEnabled: true },
    continuousAccessEvaluation: { mode },
  },
});

beforeAll(async () => {
  sim = await simCloud(TENANT, []);
  sim.directory.caPolicies.set(STRICT, policy(STRICT, "strictEnforcement"));
  sim.directory.caPolicies.set(LOCATION, policy(LOCATION, "strictLocation"));
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  token = (await credential.getToken(GLOBAL_GRAPH_SCOPE))?.token ?? "";
});
afterAll(async () => sim?.close());
// The shape tests ask many times a second; the one test of the shared limit turns it back on.
beforeEach(() => {
  sim.limits.enabled = false;
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${sim.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
const json = async (path: string, init: RequestInit = {}) => {
  const answer = await call(path, init);
  return {
    status: answer.status,
    headers: answer.headers,
    body: (answer.status === 204 ? {} : await answer.json()) as Record<string, unknown>,
  };
};
type Policy = Record<string, unknown> & { id: string; sessionControls: Record<string, unknown> | null };
const errorOf = (body: Record<string, unknown>) => (body["error"] as { code: string; message: string }) ?? {};

describe("v1.0 and beta", () => {
  it("beta lists and gets continuousAccessEvaluation; v1.0 leaves it (and other beta-only properties) out", async () => {
    const beta = await json(BETA);
    expect(beta.status).toBe(200);
    expect(beta.body["@odata.context"]).toBe(`${sim.url}/beta/$metadata#identity/conditionalAccess/policies`);
    const betaStrict = (beta.body["value"] as Policy[]).find((p) => p.id === STRICT);
    expect(betaStrict?.sessionControls?.["continuousAccessEvaluation"]).toEqual({
      mode: "strictEnforcement",
    });
    expect(betaStrict?.["conditions"]).toHaveProperty("deviceStates");
    const betaOne = await json(`${BETA}/${STRICT}`);
    expect(betaOne.body["@odata.context"]).toBe(
      `${sim.url}/beta/$metadata#identity/conditionalAccess/policies/$entity`,
    );
    expect((betaOne.body as Policy).sessionControls?.["continuousAccessEvaluation"]).toEqual({
      mode: "strictEnforcement",
    });

    for (const v1 of [
      ((await json(V1)).body["value"] as Policy[]).find((p) => p.id === STRICT),
      (await json(`${V1}/${STRICT}`)).body as Policy,
    ]) {
      expect(v1?.sessionControls).toEqual({ signInFrequency: { value: 4, type: "hours", isEnabled: true } });
      expect(v1?.["conditions"]).not.toHaveProperty("deviceStates");
      expect(v1?.["conditions"]).toMatchObject({
        users: { includeGroups: ["22222222-0000-4000-8000-000000000001"] },
      });
      expect(v1).toMatchObject({
        description: null,
        templateId: null,
        grantControls: { builtInControls: ["mfa"] },
      });
      expect(csdl.check({ ...v1, "@odata.context": undefined }, "graph.conditionalAccessPolicy")).toEqual([]);
    }
    // The store itself is untouched by the v1.0 view.
    expect(sim.directory.caPolicies.get(STRICT)?.sessionControls).toHaveProperty(
      "continuousAccessEvaluation",
    );
  });

  it("shows strictLocation only to a caller that asks for evolvable enum members", async () => {
    const plain = (await json(`${BETA}/${LOCATION}`)).body as Policy;
    expect(plain.sessionControls?.["continuousAccessEvaluation"]).toEqual({ mode: "unknownFutureValue" });
    const asked = (await json(`${BETA}/${LOCATION}`, { headers: { prefer: "include-unknown-enum-members" } }))
      .body as Policy;
    expect(asked.sessionControls?.["continuousAccessEvaluation"]).toEqual({ mode: "strictLocation" });
    expect(sim.directory.caPolicies.get(LOCATION)?.sessionControls?.["continuousAccessEvaluation"]).toEqual({
      mode: "strictLocation",
    });
  });

  it("answers an unknown policy 404 in beta too", async () => {
    const { status, body } = await json(`${BETA}/33333333-0000-4000-8000-000000000000`);
    expect(status).toBe(404);
    expect(errorOf(body).code).toBe("Request_ResourceNotFound");
  });

  it("counts beta against conditional access's 1 request per second, as v1.0", async () => {
    sim.limits.enabled = true;
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(V1)).status).toBe(200);
    const second = await call(BETA);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(BETA)).status).toBe(200);
    expect((await call(V1)).status).toBe(429);
  });

  it("refuses beta without a token, as v1.0", async () => {
    expect((await fetch(`${sim.url}${BETA}`)).status).toBe(401);
  });
});

describe("permissions", () => {
  it("refuses policy, named location and security defaults reads without Policy.Read.All", async () => {
    sim.directory.deniedPermissions.add("Policy.Read.All");
    onTestFinished(() => sim.directory.deniedPermissions.clear());
    for (const path of [
      V1,
      `${V1}/${STRICT}`,
      BETA,
      `${BETA}/${STRICT}`,
      "/v1.0/identity/conditionalAccess/namedLocations",
      "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
    ]) {
      const { status, body } = await json(path);
      expect(status, path).toBe(403);
      expect(errorOf(body), path).toEqual(
        expect.objectContaining({
          code: "AccessDenied",
          message: "You cannot perform the requested operation, required scopes are missing in the token.",
        }),
      );
    }
  });

  it("refuses writes without Policy.ReadWrite.ConditionalAccess, and reads go on", async () => {
    sim.directory.deniedPermissions.add("Policy.ReadWrite.ConditionalAccess");
    onTestFinished(() => sim.directory.deniedPermissions.clear());
    const created = await json(V1, { method: "POST", body: JSON.stringify(newPolicy("x")) });
    expect(created.status).toBe(403);
    expect((await json(`${V1}/${STRICT}`, { method: "DELETE" })).status).toBe(403);
    expect((await call(V1)).status).toBe(200);
  });
});

const newPolicy = (name: string, extra: Record<string, unknown> = {}) => ({
  displayName: name,
  state: "enabledForReportingButNotEnforced",
  conditions: {
    users: { includeUsers: ["All"] },
    applications: { includeApplications: ["All"] },
    clientAppTypes: ["all"],
    ...extra,
  },
  grantControls: { operator: "OR", builtInControls: ["mfa"] },
});

describe("licence", () => {
  it("without P1 or P2: policies can be read and deleted, not created or updated", async () => {
    sim.directory.licence = "free";
    onTestFinished(() => {
      sim.directory.licence = "P2";
    });
    expect((await call(V1)).status).toBe(200);
    expect((await call(`${BETA}/${STRICT}`)).status).toBe(200);
    expect((await call("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).status).toBe(200);
    const created = await json(V1, { method: "POST", body: JSON.stringify(newPolicy("free")) });
    expect(created.status).toBe(400);
    expect(errorOf(created.body).code).toBe("BadRequest");
    const updated = await json(`${V1}/${STRICT}`, {
      method: "PATCH",
      body: JSON.stringify({ state: "disabled" }),
    });
    expect(updated.status).toBe(400);
    expect(sim.directory.caPolicies.get(STRICT)?.state).toBe("enabled");
    const id = "44444444-0000-4000-8000-000000000001";
    sim.directory.caPolicies.set(id, policy(id, "disabled"));
    expect((await call(`${V1}/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(sim.directory.caPolicies.has(id)).toBe(false);
  });

  it("with P1: risk conditions are refused (a P2 feature), other policies are created", async () => {
    sim.directory.licence = "P1";
    onTestFinished(() => {
      sim.directory.licence = "P2";
    });
    const risky = await json(V1, {
      method: "POST",
      body: JSON.stringify(newPolicy("risky", { signInRiskLevels: ["high"] })),
    });
    expect(risky.status).toBe(400);
    expect(errorOf(risky.body).message).toBe(
      "1039: Cannot create or update policies with premium P2 features. Upgrade to a premium P2 license and try again.",
    );
    const plain = await json(V1, { method: "POST", body: JSON.stringify(newPolicy("plain")) });
    expect(plain.status).toBe(201);
    expect(
      csdl.check({ ...plain.body, "@odata.context": undefined }, "graph.conditionalAccessPolicy"),
    ).toEqual([]);
    sim.directory.licence = "P2";
    const p2 = await json(V1, {
      method: "POST",
      body: JSON.stringify(newPolicy("risky on P2", { userRiskLevels: ["high"] })),
    });
    expect(p2.status).toBe(201);
  });
});

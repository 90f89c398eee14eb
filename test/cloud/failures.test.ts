import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { classifyFailure } from "../../src/cloud/errors.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * What the real SDKs throw when Microsoft does not answer, and how Warden reads it. A containment
 * action that fails transiently waits and is tried again; one that fails for good ends the incident
 * partial. A cut connection or a request past its deadline must be the first kind: neither says the
 * change was refused (the Graph SDK reports both as statusCode -1 with an empty message).
 */

const TENANT = "f4f4f4f4-0000-4000-8000-00000000f4f4";
const SUBSCRIPTION = "5b5b5b5b-0000-4000-8000-00000000005b";
let sim: SimCloud;

beforeAll(async () => {
  sim = await simCloud(TENANT, [SUBSCRIPTION]);
});
afterAll(async () => sim?.close());

function clients(requestTimeoutMs: number) {
  const endpoints = { graph: sim.url, arm: sim.url, authority: sim.url };
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    endpoints,
    requestTimeoutMs,
  );
  const limiter = new RateLimiter(Date.now, requestTimeoutMs);
  return {
    graph: new GraphDirectory(credential, sim.url, TENANT, limiter),
    policy: new SubscriptionPolicy(credential, sim.url, TENANT, limiter),
  };
}

async function failureOf(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    return classifyFailure(error);
  }
  throw new Error("the call succeeded; a failure was expected");
}

describe("a call Microsoft never answers", () => {
  it("is transient for Graph and ARM alike, whether cut or past its deadline", async () => {
    const { graph, policy } = clients(1_500);
    // Tokens first (cached by the credential), so the faults below meet the calls themselves.
    await graph.user(SIM_APP.servicePrincipalId);
    await policy.read();
    const outcomes: Record<string, ReturnType<typeof classifyFailure>> = {};

    sim.faults.plan = { drop: { fraction: 1, until: Date.now() + 60_000 } };
    outcomes["graph cut"] = await failureOf(() => graph.setAccountEnabled(SIM_APP.servicePrincipalId, false));
    outcomes["arm cut"] = await failureOf(() => policy.read());

    sim.faults.plan = { hang: { fraction: 1, until: Date.now() + 60_000 } };
    const started = Date.now();
    outcomes["graph deadline"] = await failureOf(() => graph.user(SIM_APP.servicePrincipalId));
    const graphWaited = Date.now() - started;
    outcomes["arm deadline"] = await failureOf(() =>
      policy.write({
        blockSubscriptionsLeavingTenant: true,
        blockSubscriptionsIntoTenant: false,
        exemptedPrincipals: [],
      }),
    );
    sim.faults.plan = {};

    for (const [what, failure] of Object.entries(outcomes)) {
      expect(failure.transient, `${what}: ${JSON.stringify(failure)}`).toBe(true);
      expect(failure.status, what).toBeUndefined();
      expect(failure.message, what).not.toBe("");
    }
    // The deadline is the one configured, not the SDK's (none) or the default two minutes.
    expect(graphWaited).toBeGreaterThanOrEqual(1_400);
    expect(graphWaited).toBeLessThan(30_000);
    expect(sim.faults.log.filter((r) => r.status === -1).length).toBeGreaterThanOrEqual(2);
    expect(sim.faults.log.filter((r) => r.status === 0).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("ends at its deadline when it is the token request that is never answered", async () => {
    // Fresh clients: no token cached, so the first call asks the token endpoint, which never answers.
    const { graph, policy } = clients(1_500);
    sim.faults.plan = { hang: { fraction: 1, until: Date.now() + 60_000 } };
    const started = Date.now();
    const [graphFailure, armFailure] = await Promise.all([
      failureOf(() => graph.user(SIM_APP.servicePrincipalId)),
      failureOf(() => policy.read()),
    ]);
    const waited = Date.now() - started;
    sim.faults.plan = {};
    // Only the authority was asked (its metadata or its token endpoint), and it never answered.
    const asked = sim.faults.log.filter((r) => r.at >= started);
    expect(asked.length).toBeGreaterThan(0);
    expect(
      asked.filter((r) => r.status !== -1 || !r.path.startsWith(`/${TENANT}/`)),
      JSON.stringify(asked),
    ).toEqual([]);
    for (const failure of [graphFailure, armFailure])
      expect(failure.transient, JSON.stringify(failure)).toBe(true);
    // The identity client's own retries, each at the configured deadline: seconds, not forever.
    expect(waited).toBeLessThan(30_000);
    // And the same clients work once the authority answers again (nothing cached the failure).
    await graph.user(SIM_APP.servicePrincipalId);
    expect(await policy.read()).toHaveProperty("blockSubscriptionsLeavingTenant");
  }, 60_000);

  it("while a refusal stays permanent: the caller must act, retrying changes nothing", async () => {
    const { graph } = clients(5_000);
    const missing = await failureOf(() =>
      graph.setAccountEnabled("00000000-0000-4000-8000-00000000dead", false),
    );
    expect(missing).toMatchObject({ transient: false, status: 404 });
    // And the answers Microsoft gives while it is busy stay transient.
    sim.faults.plan = { unavailable: { fraction: 1, until: Date.now() + 60_000, status: 500 } };
    const busy = await failureOf(() => graph.user(SIM_APP.servicePrincipalId));
    sim.faults.plan = {};
    expect(busy).toMatchObject({ transient: true, status: 500 });
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphLogs } from "../../src/cloud/graph-logs.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { publishNow, SIM_APP, simCloud } from "../helpers/sim.js";

/** The real SDK clients (Graph client, @azure/identity, @azure/arm-*) over https against the simulator. */

const day = tenantDay({ attacks: ATTACKS, noiseEvents: 3_000, seed: 4 });
const tenantId = day.tenant.id;
const subscriptions = [
  ...new Set(day.records.flatMap((r) => (r.subscriptionId === undefined ? [] : [r.subscriptionId]))),
];
const from = new Date(day.records[0]?.time ?? 0);
const to = new Date((day.records.at(-1)?.time ?? 0) + 1);
let sim: SimCloud;

beforeAll(async () => {
  sim = await simCloud(tenantId, subscriptions);
  publishNow(sim, day.records);
});
afterAll(async () => sim?.close());

function clients(secret: string = SIM_APP.clientSecret) {
  const endpoints = { graph: sim.url, arm: sim.url, authority: sim.url };
  const credential = makeCredential(
    { tenantId, clientId: SIM_APP.clientId, clientSecret: secret },
    endpoints,
  );
  const limiter = new RateLimiter();
  return {
    graph: new GraphLogs(credential, sim.url, tenantId, limiter),
    arm: new ArmActivity(credential, sim.url, tenantId, limiter),
  };
}

async function all<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe("reading the simulated tenant through the SDKs", () => {
  it("pages through every sign-in of the day, following absolute nextLinks", async () => {
    const expected = day.records.filter((r) => r.stream === "signIns").length;
    expect(expected).toBeGreaterThan(1_000); // more than one page
    const signIns = await all(clients().graph.list("signIns", from, to));
    expect(signIns).toHaveLength(expected);
    expect(new Set(signIns.map((s) => s["id"])).size).toBe(expected);
  });

  it("reads the directory audits and risk detections of a window, and nothing outside it", async () => {
    const audits = await all(clients().graph.list("directoryAudits", from, to));
    expect(audits).toHaveLength(day.records.filter((r) => r.stream === "directoryAudits").length);
    const risks = await all(clients().graph.list("riskDetections", from, to));
    expect(risks.map((r) => r["riskEventType"])).toEqual(["anonymizedIPAddress"]);
    const none = await all(clients().graph.list("directoryAudits", new Date(0), new Date(1_000)));
    expect(none).toEqual([]);
  });

  it("lists subscriptions and reads each one's activity log and the tenant's", async () => {
    const arm = clients().arm;
    expect((await arm.subscriptions()).map((s) => s.subscriptionId).sort()).toEqual(
      [...subscriptions].sort(),
    );
    let total = 0;
    for (const id of subscriptions) total += (await all(arm.events(id, from, to))).length;
    const tenantLevel = await all(arm.events(null, from, to));
    expect(total + tenantLevel.length).toBe(day.records.filter((r) => r.stream === "activity").length);
    // Read as Microsoft sends them (the SDK's pipeline, not its model deserializer): the wire's strings.
    expect(tenantLevel[0]?.["eventTimestamp"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tenantLevel[0]?.["operationName"]).toMatchObject({ value: expect.any(String) });
  });

  it("fails with the authority's message when the client secret is wrong", async () => {
    await expect(all(clients("wrong-secret").graph.list("signIns", from, to))).rejects.toThrow(
      /AADSTS7000215/,
    );
  });

  it("rides out 429s that carry Retry-After", async () => {
    sim.faults.plan = { throttle: { fraction: 0.5, until: Date.now() + 60_000, retryAfterSeconds: 1 } };
    const before = sim.faults.counts.throttled;
    const audits = await all(clients().graph.list("directoryAudits", from, to));
    sim.faults.plan = {};
    expect(audits.length).toBe(day.records.filter((r) => r.stream === "directoryAudits").length);
    expect(sim.faults.counts.throttled).toBeGreaterThan(before);
  });
});

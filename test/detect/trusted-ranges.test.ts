import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "../../src/detect/detect-config.js";
import { DetectionEngine } from "../../src/detect/engine.js";
import type { SecurityEvent } from "../../src/detect/event.js";
import type { Finding } from "../../src/detect/finding.js";
import { trustedRangesReader } from "../../src/jobs/live-detect-config.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Issue 19, point 12: the tenant's conditional access named locations marked trusted, and the configured
 * risky ranges, as the blog's custom policy uses them. An action from a risky range weighs more, from
 * outside every trusted range a little more; a trusted range never clears anything, because whoever may
 * edit conditional access may mark any range trusted.
 */

const RISKY = ["198.51.100.0/24"];
const TRUSTED = ["203.0.113.0/24", "2001:db8:10::/48"];

function vmCreated(ip: string): SecurityEvent {
  return {
    id: `azure-activity:vm-${ip}`,
    source: "azure-activity",
    shape: "arm-event-data",
    tenantId: "t",
    time: Date.UTC(2026, 10, 30, 10),
    operation: "Microsoft.Compute/virtualMachines/write",
    succeeded: true,
    actor: {
      type: "user",
      id: "30a6c29d-de7c-4830-815f-9b3bb366e975",
      userPrincipalName: "admin@contoso.example",
      ipAddress: ip,
    },
    kind: "vm-created",
    resourceId: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/miner1",
    subscriptionId: "s1",
    via: "vm-write",
  };
}

function elevation(ip: string): Finding {
  return {
    id: `f-${ip}`,
    rule: "elevate-access",
    severity: "high",
    confidence: 0.6,
    tenantId: "t",
    time: Date.UTC(2026, 10, 30, 10),
    subject: { type: "user", id: "30a6c29d-de7c-4830-815f-9b3bb366e975" },
    actor: { id: "30a6c29d-de7c-4830-815f-9b3bb366e975", ipAddress: ip },
    subscriptionIds: [],
    evidence: [],
    summary: "elevated",
  };
}

const engine = (config: Partial<DetectConfig>) =>
  new DetectionEngine({ ...DEFAULT_DETECT_CONFIG, ...config });

describe("where an action came from", () => {
  it("raises confidence for a risky range, a little outside every trusted range, and nothing inside one", () => {
    const e = engine({ riskyIpRanges: RISKY, trustedIpRanges: TRUSTED });
    expect(e.scored(elevation("198.51.100.7")).confidence).toBeCloseTo(0.7);
    expect(e.scored(elevation("192.0.2.44")).confidence).toBeCloseTo(0.65);
    expect(e.scored(elevation("203.0.113.9")).confidence).toBeCloseTo(0.6);
    expect(e.scored(elevation("2001:db8:10::5")).confidence).toBeCloseTo(0.6);
    // No trusted ranges known: nothing is "outside" them.
    expect(engine({}).scored(elevation("192.0.2.44")).confidence).toBeCloseTo(0.6);
    // A range with a trailing slash is refused, not read as /0.
    expect(() => engine({ riskyIpRanges: ["198.51.100.0/"] }).scored(elevation("192.0.2.44"))).toThrow(
      /is not an IP address or CIDR range/,
    );
  });

  it("still raises risky-ip-vm-created for an address a trusted range also covers, and says so", () => {
    const e = engine({ riskyIpRanges: RISKY, trustedIpRanges: ["198.51.100.0/25"] });
    const [found] = e.ingest(vmCreated("198.51.100.7"));
    expect(found?.rule).toBe("risky-ip-vm-created");
    expect(found?.summary).toMatch(
      /inside a configured risky range \(also inside a range the tenant marks trusted: check who marked it\)$/,
    );
    expect(engine({ riskyIpRanges: RISKY }).ingest(vmCreated("198.51.100.7"))[0]?.summary).toMatch(
      /risky range$/,
    );
  });

  it("takes the live named locations beside the configured ones, and drops one no longer trusted", () => {
    const e = engine({ trustedIpRanges: ["192.0.2.0/24"] });
    e.useTrustedRanges(TRUSTED);
    expect(e.config.trustedIpRanges).toEqual(["192.0.2.0/24", ...TRUSTED]);
    e.useTrustedRanges([]);
    expect(e.config.trustedIpRanges).toEqual(["192.0.2.0/24"]);
  });
});

describe("the tenant's trusted named locations, read from Graph", () => {
  const TENANT = "6d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";
  let sim: SimCloud;
  let graph: GraphDirectory;
  beforeAll(async () => {
    sim = await simCloud(TENANT, []);
    const credential = makeCredential(
      { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
      { graph: sim.url, arm: sim.url, authority: sim.url },
    );
    graph = new GraphDirectory(credential, sim.url, TENANT, new RateLimiter());
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("are the trusted IP locations' ranges, read again after ten minutes", async () => {
    sim.directory.namedLocations.push(
      { id: "l1", displayName: "Head office", isTrusted: true, ipRanges: TRUSTED },
      { id: "l2", displayName: "Partner VPN", isTrusted: false, ipRanges: ["192.0.2.0/24"] },
      // Not a range (a trailing slash is not /0, every address): dropped, never thrown.
      { id: "l3", displayName: "Typo", isTrusted: true, ipRanges: ["198.51.100.0/"] },
    );
    let clock = 0;
    const warnings: string[] = [];
    const read = trustedRangesReader(graph, { warn: (_f, m) => void warnings.push(m) }, () => clock);
    expect(await read()).toEqual(TRUSTED);
    sim.directory.namedLocations.splice(0, 3);
    clock += 60_000;
    expect(await read()).toEqual(TRUSTED);
    clock += 10 * 60_000;
    expect(await read()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { Csdl } from "../helpers/csdl.js";

/** The simulator speaks Graph v1.0 as Microsoft defines it: every name and enum value checked against the metadata. */

const csdl = new Csdl(new URL("../fixtures/reference/graph-v1.0.csdl", import.meta.url).pathname);
const day = tenantDay({ attacks: ATTACKS, noiseEvents: 3_000, seed: 12 });

const TYPES = {
  directoryAudits: "graph.directoryAudit",
  signIns: "graph.signIn",
  riskDetections: "graph.riskDetection",
} as const;

describe("simulated Graph records against graph-v1.0.csdl", () => {
  for (const [stream, type] of Object.entries(TYPES)) {
    it(`every ${type.slice(6)} uses only the properties and enum values v1.0 defines`, () => {
      const records = day.records.filter((r) => r.stream === stream).map((r) => r.record);
      expect(records.length).toBeGreaterThan(0);
      const problems = new Set(records.flatMap((r) => csdl.check(r, type)));
      expect([...problems]).toEqual([]);
    });
  }

  it("the checker itself catches a wrong property, a wrong enum value and a wrong shape", () => {
    expect(csdl.check({ riskLevelAggregated: "severe" }, "graph.signIn")).toEqual([
      '$.riskLevelAggregated: "severe" is not a member of riskLevel',
    ]);
    expect(csdl.check({ riskLevel: "high" }, "graph.signIn")).toEqual([
      '$.riskLevel: signIn has no property "riskLevel"',
    ]);
    expect(csdl.check({ targetResources: {} }, "graph.directoryAudit")).toEqual([
      "$.targetResources: expected a collection of graph.targetResource",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { EXPORT_FAMILIES, inExportShape } from "../../src/sim/scenarios/export-shape.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { detect } from "../helpers/detection.js";

const day = tenantDay({ attacks: ATTACKS, noiseEvents: 4_000 });

describe("the attacks of the design, among a day of benign activity", () => {
  for (const family of EXPORT_FAMILIES) {
    it(`each become exactly one incident with the right rules when read from ${family} exports`, async () => {
      const records = day.records.map((r) => inExportShape(r, family, day.tenant.id));
      const report = await detect(records);

      expect(report.counts.skipped).toBe(0);
      expect(report.incidents).toHaveLength(day.attacks.length);
      for (const attack of day.attacks) {
        const about = report.findings.filter(
          (f) => f.subject.userPrincipalName?.toLowerCase() === attack.subjectUpn.toLowerCase(),
        );
        expect(about.length, `${attack.name}: findings about ${attack.subjectUpn}`).toBeGreaterThan(0);
        const incidents = new Set(about.map((f) => f.incident));
        expect([...incidents], `${attack.name} is one incident`).toHaveLength(1);
        const incident = report.incidents.find((i) => incidents.has(i.id));
        expect(incident?.rules.slice().sort(), attack.name).toEqual(
          [...new Set(attack.expectedRules)].sort(),
        );
      }
    });
  }

  it("the hijack chain lists its steps in time order, from the invitation to the move", async () => {
    const report = await detect(day.records.map((r) => r.record));
    const chain = report.findings.find((f) => f.rule === "subscription-hijack-chain");
    expect(chain?.severity).toBe("critical");
    const times = chain?.evidence.map((e) => e.time) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(chain?.evidence[0]?.operation).toBe("Sign-in activity");
    expect(chain?.evidence.at(-1)?.operation).toBe("Microsoft.Subscription/updateTenant/action");
    expect(chain?.evidence.some((e) => e.operation === "Invite external user")).toBe(true);
  });

  it("a guest promoted to Global Administrator by an admin with a risky sign-in is near certain", async () => {
    const report = await detect(day.records.map((r) => r.record));
    const promotions = report.findings.filter((f) => f.rule === "guest-privileged-role");
    expect(promotions.length).toBe(2);
    for (const promotion of promotions) expect(promotion.confidence).toBeGreaterThanOrEqual(0.95);
  });

  it("a benign day alone produces no finding at all", async () => {
    const benign = tenantDay({ attacks: [], noiseEvents: 6_000, seed: 11 });
    const report = await detect(benign.records.map((r) => r.record));
    expect(report.counts.events).toBeGreaterThan(6_000);
    expect(report.findings).toEqual([]);
  });

  it("gives the same findings and incidents whatever order the records are read in", async () => {
    const forward = await detect(day.records.map((r) => r.record));
    const backward = await detect(day.records.map((r) => r.record).reverse());
    const shape = (report: typeof forward) =>
      report.findings.map((f) => `${f.id} ${f.incident} ${f.confidence}`).sort();
    expect(shape(backward)).toEqual(shape(forward));
  });

  it("produces each finding once however often the input is replayed", async () => {
    const once = await detect(day.records.map((r) => r.record));
    const thrice = await detect([...day.records, ...day.records, ...day.records].map((r) => r.record));
    expect(thrice.findings.map((f) => f.id)).toEqual(once.findings.map((f) => f.id));
    expect(thrice.counts.events).toBe(once.counts.events);
  });
});

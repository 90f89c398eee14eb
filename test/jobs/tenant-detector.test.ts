import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/detect/event.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { TenantDetector } from "../../src/jobs/tenant-detector.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { storeEvents } from "../../src/store/events-repo.js";
import { auditTrail, listIncidents } from "../../src/store/incidents-repo.js";
import { detect, TEST_CONFIG } from "../helpers/detection.js";
import { freshPglite, freshPostgres, postgresAvailable } from "../helpers/services.js";

const withPostgres = await postgresAvailable();
const day = tenantDay({ attacks: ATTACKS, noiseEvents: 1_500, seed: 21 });
const tenantId = day.tenant.id;
const config = { ...TEST_CONFIG, defaultTenantId: tenantId };
const events: SecurityEvent[] = day.records.flatMap((r) => {
  const result = normaliseRecord(r.record, { tenantId });
  return result.ok ? [result.event] : [];
});

const rulesOf = (incidents: { rules: string[] }[]) =>
  incidents.map((i) => [...i.rules].sort().join(",")).sort();

const drivers: [string, boolean, () => Promise<{ db: Database; drop: () => Promise<void> }>][] = [
  ["PostgreSQL", withPostgres, freshPostgres],
  ["PGlite", true, freshPglite],
];

for (const [name, available, open] of drivers) {
  describe.skipIf(!available)(`live detection on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await open());
    });
    afterAll(async () => drop?.());

    it("finds the same incidents as `warden detect`, however the events arrive in batches", async () => {
      const offline = await detect(
        day.records.map((r) => r.record),
        config,
      );
      const detector = new TenantDetector(db, tenantId, config);
      // Events arrive in poll-sized batches, detection runs after each, as the pollers drive it.
      for (let i = 0; i < events.length; i += 250) {
        await storeEvents(db, events.slice(i, i + 250));
        const run = await detector.run();
        expect(run.ran).toBe(true);
      }
      const incidents = (await listIncidents(db, tenantId)).filter((i) => i.state !== "merged");
      expect(rulesOf(incidents)).toEqual(rulesOf(offline.incidents));
      const findingCount = incidents.reduce((n, i) => n + i.findingIds.length, 0);
      expect(findingCount).toBe(offline.findings.length);
    });

    it("does nothing more when run again, and nothing when the same events come again", async () => {
      const before = await listIncidents(db, tenantId);
      const detector = new TenantDetector(db, tenantId, config);
      expect(await storeEvents(db, events.slice(0, 500))).toEqual(new Set());
      const run = await detector.run();
      expect(run).toMatchObject({ ran: true, newFindings: 0, incidents: [] });
      expect(await listIncidents(db, tenantId)).toEqual(before);
    });

    it("records each incident's creation and growth in its audit trail", async () => {
      const hijack = (await listIncidents(db, tenantId)).find((i) =>
        i.rules.includes("subscription-hijack-chain"),
      );
      const trail = await auditTrail(db, hijack?.id ?? "");
      expect(trail[0]).toMatchObject({ action: "created", toState: "open" });
      expect(trail.slice(1).every((t) => t.action === "grown" || t.action === "merged")).toBe(true);
    });

    // PGlite has one connection: a second session to contend for the lock exists only on PostgreSQL.
    if (name === "PostgreSQL")
      it("lets one process detect a tenant at a time, and runs once the other is done", async () => {
        const whileHeld = await db.transaction(async (tx) => {
          await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:detect:${tenantId}`]);
          return new TenantDetector(db, tenantId, config).run();
        });
        expect(whileHeld.ran).toBe(false);
        expect((await new TenantDetector(db, tenantId, config).run()).ran).toBe(true);
      });
  });
}

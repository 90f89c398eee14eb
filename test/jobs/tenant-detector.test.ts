import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/detect/event.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { subscriptionGone } from "../../src/detect/observations.js";
import { TenantDetector } from "../../src/jobs/tenant-detector.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { EXPECTED_INCIDENTS } from "../../src/sim/scenarios/expected-incidents.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { storeEvents } from "../../src/store/events-repo.js";
import { findingsByIds } from "../../src/store/findings-repo.js";
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

/**
 * The move's own record is in the subscription's log, which the tenant cannot read once the move completes:
 * when it was never read, Warden's observation that the subscription is gone takes its place.
 */
describe("a subscription that left the directory", () => {
  const move = events.find((e) => e.kind === "subscription-tenant-changed");
  const movedId = move?.kind === "subscription-tenant-changed" ? (move.subscriptionId ?? "") : "";
  const gone = subscriptionGone(tenantId, movedId, (move?.time ?? 0) - 60_000, (move?.time ?? 0) + 90_000);
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshPglite());
  });
  afterAll(async () => drop?.());

  it("makes the same takeover incident from the observation when the move's record was never read", async () => {
    expect(movedId).toMatch(/^[0-9a-f-]{36}$/);
    const offline = await detect(
      day.records.map((r) => r.record),
      config,
    );
    await storeEvents(db, [...events.filter((e) => e !== move), gone]);
    expect((await new TenantDetector(db, tenantId, config).run()).ran).toBe(true);

    const incidents = (await listIncidents(db, tenantId)).filter((i) => i.state !== "merged");
    expect(rulesOf(incidents)).toEqual(rulesOf(offline.incidents));
    const hijack = incidents.find((i) => i.rules.includes("subscription-hijack-chain"));
    const findings = await findingsByIds(db, hijack?.findingIds ?? []);
    const moved = findings.filter((f) => f.rule === "subscription-directory-changed");
    expect(moved.map((f) => f.summary)).toEqual([
      `Subscription ${movedId} is no longer in the directory: moved to another directory, or Warden's access to it was removed (its activity log was last read at ${new Date(gone.lastReadAt ?? 0).toISOString()})`,
    ]);
    expect(moved[0]?.evidence).toEqual([
      { source: "warden", id: gone.id, time: gone.time, operation: "Warden/subscriptionNoLongerListed" },
    ]);
    expect(findings.filter((f) => f.rule === "subscription-hijack-chain")).toHaveLength(1);
  });

  it("keeps one takeover chain, made from the logged move, when the record was read before the observation", async () => {
    const other = await freshPglite();
    try {
      await storeEvents(other.db, events);
      await new TenantDetector(other.db, tenantId, config).run();
      await storeEvents(other.db, [gone]);
      const run = await new TenantDetector(other.db, tenantId, config).run();
      expect(run.newRules).toEqual(["subscription-directory-changed"]);
      const incidents = (await listIncidents(other.db, tenantId)).filter((i) => i.state !== "merged");
      const hijack = incidents.find((i) => i.rules.includes("subscription-hijack-chain"));
      const findings = await findingsByIds(other.db, hijack?.findingIds ?? []);
      // Both say the subscription left, each with evidence the analyst can open; one chain, naming the mover.
      expect(findings.filter((f) => f.rule === "subscription-directory-changed")).toHaveLength(2);
      const chains = findings.filter((f) => f.rule === "subscription-hijack-chain");
      expect(chains).toHaveLength(1);
      expect(chains[0]?.actor).toEqual(expect.objectContaining({ type: "user" }));
      expect(incidents).toHaveLength(EXPECTED_INCIDENTS.length);
    } finally {
      await other.drop();
    }
  });
});

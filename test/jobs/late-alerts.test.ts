import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/detect/event.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { TenantDetector } from "../../src/jobs/tenant-detector.js";
import { guestAdmin } from "../../src/sim/scenarios/attacks.js";
import { TenantScript } from "../../src/sim/scenarios/script.js";
import type { Database } from "../../src/store/database.js";
import { storeEvents } from "../../src/store/events-repo.js";
import { findingsByIds } from "../../src/store/findings-repo.js";
import { auditTrail, listIncidents } from "../../src/store/incidents-repo.js";
import { TEST_CONFIG } from "../helpers/detection.js";
import { freshPglite, freshPostgres, postgresAvailable } from "../helpers/services.js";

/**
 * Issue 19, point 11, live: Defender writes its alert minutes to hours after the activity, so after
 * Warden stored the findings. The alert read later is attached to those stored findings and their
 * incident: confidence raised, the audit trail saying which alert did it, the version left alone (an
 * alert changes no action, so a decision asked on the card stays good); a later "false positive" takes
 * it back; an alert Warden has forgotten is never taken off by an unrelated one.
 */

const withPostgres = await postgresAvailable();
const TENANT = "6f2a9c1e-3b7d-4e5f-8a9b-0c1d2e3f4a5b";

const script = new TenantScript({ id: TENANT, domain: "contoso.example" }, Date.UTC(2026, 11, 1, 8), 5);
const attack = guestAdmin(script, 10);
const toEvent = (record: unknown): SecurityEvent => {
  const result = normaliseRecord(record, { tenantId: TENANT });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
};
const alertRecord = script.records.find((r) => r.stream === "alerts")?.record as Record<string, unknown>;
const activity = script.records.filter((r) => r.stream !== "alerts").map((r) => toEvent(r.record));
const alert = toEvent(alertRecord);
const dismissed = toEvent({
  ...alertRecord,
  classification: "falsePositive",
  lastUpdateDateTime: new Date(
    Date.parse(String(alertRecord["lastUpdateDateTime"])) + 3_600_000,
  ).toISOString(),
});

const drivers: [string, boolean, () => Promise<{ db: Database; drop: () => Promise<void> }>][] = [
  ["PostgreSQL", withPostgres, freshPostgres],
  ["PGlite", true, freshPglite],
];

for (const [name, available, open] of drivers) {
  describe.skipIf(!available)(`an alert read after its findings, on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await open());
    });
    afterAll(async () => drop?.());

    it("raises the stored findings and their incident, says so in the trail, and is taken back when dismissed", async () => {
      const detector = new TenantDetector(db, TENANT, { ...TEST_CONFIG, defaultTenantId: TENANT });
      await storeEvents(db, activity);
      const first = await detector.run();
      expect(first.alerted).toEqual([]);
      const [incident] = (await listIncidents(db, TENANT)).filter((i) => i.state !== "merged");
      if (incident === undefined) throw new Error("no incident");
      const before = await findingsByIds(db, incident.findingIds);
      // Every finding of this incident is about the guest, as subject or as actor: the alert names it.
      expect(before.every((f) => f.subject.id === attack.subjectId || f.actor?.id === attack.subjectId)).toBe(
        true,
      );

      const trailBefore = await auditTrail(db, incident.id);
      await storeEvents(db, [alert]);
      const second = await detector.run();
      // Nothing new found: the incident only needs its card brought up to date.
      expect(second).toMatchObject({ ran: true, newFindings: 0, incidents: [], alerted: [incident.id] });
      const after = await findingsByIds(db, incident.findingIds);
      for (const f of after) {
        const was = before.find((b) => b.id === f.id);
        const attached = f.evidence.filter((e) => e.source === "security-alert").map((e) => e.id);
        expect(attached).toEqual([alertRecord["id"]]);
        expect(f.confidence).toBeCloseTo(Math.min(0.99, (was?.confidence ?? 0) + 0.1), 5);
        expect(f.confidenceBeforeAlerts).toBe(was?.confidence);
      }
      const [grown] = (await listIncidents(db, TENANT)).filter((i) => i.id === incident.id);
      expect(grown?.version).toBe(incident.version);
      expect(grown?.confidence).toBe(Math.max(...after.map((f) => f.confidence)));
      const trail = await auditTrail(db, incident.id);
      // One entry more, and not "grown": triage never decides again because of an alert.
      expect(trail.map((t) => t.action)).toEqual([...trailBefore.map((t) => t.action), "alerts-attached"]);
      expect(trail.at(-1)).toMatchObject({ detail: { alerts: [alertRecord["id"]] } });

      // The same alert read again changes nothing.
      await storeEvents(db, [{ ...alert, id: `${alert.id}-again` }]);
      expect((await detector.run()).alerted).toEqual([]);

      // The SOC marks it a false positive: the findings are back where they were.
      await storeEvents(db, [dismissed]);
      expect((await detector.run()).alerted).toEqual([incident.id]);
      const undone = await findingsByIds(db, incident.findingIds);
      expect(undone.map((f) => [f.id, f.confidence])).toEqual(before.map((f) => [f.id, f.confidence]));
      expect(undone.flatMap((f) => f.evidence).some((e) => e.source === "security-alert")).toBe(false);
    });

    it("never takes off an alert it has forgotten because an unrelated one came", async () => {
      const tenant = "7a3b9d2f-4c8e-4f6a-9b0c-1d2e3f4a5b6c";
      const config = { ...TEST_CONFIG, defaultTenantId: tenant };
      const mine = (e: SecurityEvent) => ({ ...e, tenantId: tenant, id: `${e.id}-forgotten` });
      await storeEvents(db, [...activity.map(mine), mine(alert)]);
      await new TenantDetector(db, tenant, config).run();
      const [incident] = (await listIncidents(db, tenant)).filter((i) => i.state !== "merged");
      const withAlert = await findingsByIds(db, incident?.findingIds ?? []);
      expect(withAlert.every((f) => f.evidence.some((e) => e.source === "security-alert"))).toBe(true);
      // Weeks later: the alert's event is past retention, and a new process's history never held it.
      await db.query("DELETE FROM events WHERE tenant_id = $1 AND id = $2", [tenant, mine(alert).id]);
      const restarted = new TenantDetector(db, tenant, config);
      await restarted.run();
      const unrelated = toEvent({
        ...alertRecord,
        id: "caUNRELATED",
        severity: "low",
        evidence: [
          {
            "@odata.type": "#microsoft.graph.security.userEvidence",
            roles: ["compromised"],
            userAccount: {
              azureAdUserId: "11111111-2222-3333-4444-555555555555",
              userPrincipalName: "x@y.example",
            },
          },
        ],
      });
      await storeEvents(db, [{ ...unrelated, tenantId: tenant }]);
      expect((await restarted.run()).alerted).toEqual([]);
      expect(await findingsByIds(db, incident?.findingIds ?? [])).toEqual(withAlert);
    });

    it("makes no incident from an alert alone", async () => {
      const other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
      const detector = new TenantDetector(db, other, { ...TEST_CONFIG, defaultTenantId: other });
      await storeEvents(db, [{ ...alert, id: `${alert.id}-other`, tenantId: other }]);
      const run = await detector.run();
      expect(run).toMatchObject({ ran: true, newFindings: 0, incidents: [], alerted: [] });
      expect(await listIncidents(db, other)).toEqual([]);
    });
  });
}

import { correlate } from "../detect/correlate.js";
import type { DetectConfig } from "../detect/detect-config.js";
import { DetectionEngine } from "../detect/engine.js";
import type { SecurityAlertEvent } from "../detect/event.js";
import type { Finding } from "../detect/finding.js";
import { containmentObjectsOf } from "../store/containment-objects-repo.js";
import type { Database, Queryable } from "../store/database.js";
import { eventsAfter } from "../store/events-repo.js";
import { findingsSince, insertFindings, setIncidentOfFindings } from "../store/findings-repo.js";
import {
  appendAudit,
  createIncident,
  getIncidents,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
  updateIncidentContent,
} from "../store/incidents-repo.js";
import { attachAlerts } from "./attach-alerts.js";
import { contentOf } from "./incident-content.js";

const BATCH = 5_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** States of an incident nobody has decided on yet: only these are folded into another. */
const FOLDABLE: readonly IncidentState[] = ["open", "pending"];

export interface DetectionRun {
  /** false when another process held the tenant's detection lock: try again shortly. */
  ran: boolean;
  events: number;
  newFindings: number;
  /** The rule of each new finding (one entry per finding). */
  newRules: string[];
  /** Incidents created or grown by this run: each needs triage. */
  incidents: string[];
  /**
   * Incidents whose findings Microsoft's alerts read in this run made more (or, once dismissed, less)
   * certain: each needs its card rendered again. Never triaged for it: an alert decides nothing.
   */
  alerted: string[];
}

/**
 * Live detection for one tenant: the same engine as `warden detect`, fed from the events table.
 *
 * One run at a time per tenant, across every process, under a transaction-scoped advisory lock. The
 * engine stays in memory between runs of this process and catches up by sequence number on events other
 * processes detected meanwhile, so its history is complete whichever worker runs. Findings are stored by
 * their stable ids and the detection cursor moves in the same transaction, so a crash never skips or
 * doubles a finding: the next run starts again from the last committed cursor.
 */
export class TenantDetector {
  private engine: DetectionEngine;
  /** The last event sequence number fed to this process's engine. */
  private fed = 0;
  /** Microsoft alerts this run read: attached to the findings stored before they came. */
  private alertsRead: SecurityAlertEvent[] = [];

  constructor(
    private readonly db: Database,
    readonly tenantId: string,
    private readonly config: DetectConfig,
    /** The tenant's trusted named locations as Graph has them now (cached by the reader). */
    private readonly trustedRanges: () => Promise<readonly string[]> = async () => [],
  ) {
    this.engine = new DetectionEngine(config);
  }

  async run(): Promise<DetectionRun> {
    // Read before the transaction: a call to Microsoft never holds the store's lock.
    const trusted = await this.trustedRanges();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
        [`warden:detect:${this.tenantId}`],
      );
      if (rows[0]?.locked !== true)
        return { ran: false, events: 0, newFindings: 0, newRules: [], incidents: [], alerted: [] };
      const committed = await readCursor(tx, this.tenantId);
      if (committed < this.fed) {
        // The store went back (restored, or a test reset it): start the engine afresh.
        this.engine = new DetectionEngine(this.config);
        this.fed = 0;
      }
      // Warden's containment group and policy as the store has them now: one created since the last run
      // (minutes ago, by the first containment) is known to this one. A few rows, read every run.
      this.engine.useContainmentObjects(await containmentObjectsOf(tx, this.tenantId));
      this.engine.useTrustedRanges(trusted);
      // Catch up, without reporting, on what this engine has not seen but is already detected.
      await this.feed(tx, committed, false);
      this.alertsRead = [];
      const found = await this.feed(tx, Number.POSITIVE_INFINITY, true);
      const scored = [...found.values()].map((f) => this.engine.scored(f));
      const fresh = await insertFindings(tx, scored);
      await writeCursor(tx, this.tenantId, this.fed);
      const correlated =
        fresh.size === 0
          ? { incidents: [], newChains: [] }
          : await this.correlateAround(
              tx,
              scored.filter((f) => fresh.has(f.id)),
            );
      const newFindings = [...scored.filter((f) => fresh.has(f.id)), ...correlated.newChains];
      const alerted =
        this.alertsRead.length === 0
          ? []
          : await attachAlerts(tx, this.tenantId, this.engine.history, this.alertsRead);
      return {
        ran: true,
        events: found.size,
        newFindings: newFindings.length,
        newRules: newFindings.map((f) => f.rule),
        incidents: correlated.incidents,
        alerted: alerted.filter((id) => !correlated.incidents.includes(id)),
      };
    });
  }

  /** Feeds events after `this.fed` up to `upTo` into the engine; returns what they produced when `collect`. */
  private async feed(tx: Queryable, upTo: number, collect: boolean): Promise<Map<string, Finding>> {
    const found = new Map<string, Finding>();
    for (;;) {
      if (this.fed >= upTo) break;
      const batch = await eventsAfter(tx, this.tenantId, this.fed, BATCH);
      const within = batch.filter((e) => e.seq <= upTo);
      for (const { seq, event } of within) {
        if (collect && event.kind === "security-alert") this.alertsRead.push(event);
        for (const finding of this.engine.ingest(event))
          if (collect && !found.has(finding.id)) found.set(finding.id, finding);
        this.fed = seq;
      }
      if (within.length < BATCH) break;
    }
    return found;
  }

  /**
   * Groups the new findings with the tenant's findings around them and records the incidents: a group
   * with no incident yet makes one, a group touching one incident grows it, a group touching several
   * merges them into the oldest. Returns the incidents created or grown.
   */
  private async correlateAround(
    tx: Queryable,
    fresh: Finding[],
  ): Promise<{ incidents: string[]; newChains: Finding[] }> {
    const windowMs = this.config.correlationWindowHours * HOUR;
    const earliest = Math.min(...fresh.map((f) => f.time));
    const stored = await findingsSince(tx, this.tenantId, new Date(earliest - windowMs - DAY));
    const storedIncident = new Map(stored.map((s) => [s.finding.id, s.incidentId]));
    const correlation = correlate(
      stored.map((s) => s.finding),
      this.config,
    );
    const newChains = await insertFindings(tx, correlation.chains);
    const freshIds = new Set([...fresh.map((f) => f.id), ...newChains]);
    const byId = new Map([
      ...stored.map((s) => [s.finding.id, s.finding] as const),
      ...correlation.chains.map((c) => [c.id, c] as const),
    ]);

    const touched: string[] = [];
    for (const group of correlation.incidents) {
      if (!group.findingIds.some((id) => freshIds.has(id))) continue;
      const existingIds = [
        ...new Set(
          group.findingIds
            .map((id) => storedIncident.get(id))
            .filter((id): id is string => typeof id === "string"),
        ),
      ];
      const existing = (await getIncidents(tx, existingIds)).filter((i) => i.state !== "merged");
      // Only an incident nobody has decided on (open, or waiting for a decision) is folded into another.
      // One decided on keeps its decision, its actions and their undo: it survives and grows (the oldest
      // of them, if several are), and any other decided one is left apart with its own findings.
      const decided = existing.filter((i) => !FOLDABLE.includes(i.state));
      const survivor = decided[0] ?? existing[0];
      if (survivor === undefined) {
        const members = group.findingIds
          .map((id) => byId.get(id))
          .filter((f): f is Finding => f !== undefined);
        await createIncident(tx, group.id, this.tenantId, contentOf(members, []));
        await appendAudit(tx, {
          incidentId: group.id,
          action: "created",
          toState: "open",
          detail: { findings: group.findingIds },
        });
        await setIncidentOfFindings(tx, group.id, group.findingIds);
        touched.push(group.id);
        continue;
      }
      const folded: IncidentRow[] = [];
      for (const other of existing) {
        if (other === survivor || !FOLDABLE.includes(other.state)) continue;
        // Compare-and-set on the state and version read above: an approval or an automatic decision that
        // landed since (the incidents were read without a lock) keeps the incident apart.
        const merged = await transitionIncident(
          tx,
          other.id,
          FOLDABLE,
          "merged",
          { action: "merged-into", detail: { into: survivor.id } },
          other.version,
        );
        if (merged !== undefined) folded.push(other);
      }
      const apart = new Set(existing.filter((i) => i !== survivor && !folded.includes(i)).map((i) => i.id));
      const findingIds = group.findingIds.filter((id) => !apart.has(storedIncident.get(id) ?? ""));
      const members = findingIds.map((id) => byId.get(id)).filter((f): f is Finding => f !== undefined);
      const version = await updateIncidentContent(tx, survivor.id, contentOf(members, [survivor, ...folded]));
      await appendAudit(tx, {
        incidentId: survivor.id,
        action: folded.length > 0 ? "merged" : "grown",
        detail: {
          added: findingIds.filter((id) => !survivor.findingIds.includes(id)),
          merged: folded.map((i) => i.id),
          version,
        },
      });
      for (const other of folded) await setIncidentOfFindings(tx, survivor.id, other.findingIds);
      await setIncidentOfFindings(tx, survivor.id, findingIds);
      touched.push(survivor.id);
    }
    return { incidents: touched, newChains: correlation.chains.filter((c) => newChains.has(c.id)) };
  }
}

async function readCursor(tx: Queryable, tenantId: string): Promise<number> {
  const { rows } = await tx.query<{ seq: string }>("SELECT seq FROM detection_cursor WHERE tenant_id = $1", [
    tenantId,
  ]);
  return Number(rows[0]?.seq ?? 0);
}

async function writeCursor(tx: Queryable, tenantId: string, seq: number): Promise<void> {
  await tx.query(
    `INSERT INTO detection_cursor (tenant_id, seq) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET seq = GREATEST(detection_cursor.seq, excluded.seq)`,
    [tenantId, seq],
  );
}

import type { RuleId, Severity } from "../detect/finding.js";
import type { Queryable } from "./database.js";

/** Incident lifecycle states, as the design lays them out; `merged` marks one folded into another. */
export type IncidentState =
  | "open"
  | "pending"
  | "approved"
  | "executing"
  | "contained"
  | "partial"
  | "failed"
  | "denied"
  | "expired"
  | "auto-contained"
  | "reverted"
  | "merged";

export interface IncidentRow {
  id: string;
  tenantId: string;
  state: IncidentState;
  severity: Severity;
  confidence: number;
  firstTime: number;
  lastTime: number;
  version: number;
  findingIds: string[];
  rules: RuleId[];
  createdAt: number;
}

interface Raw {
  id: string;
  tenant_id: string;
  state: IncidentState;
  severity: Severity;
  confidence: number;
  first_time: Date | string;
  last_time: Date | string;
  version: number;
  finding_ids: string[];
  rules: RuleId[];
  created_at: Date | string;
}

const COLUMNS =
  "id, tenant_id, state, severity, confidence, first_time, last_time, version, finding_ids, rules, created_at";

function fromRaw(r: Raw): IncidentRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    state: r.state,
    severity: r.severity,
    confidence: Number(r.confidence),
    firstTime: new Date(r.first_time).getTime(),
    lastTime: new Date(r.last_time).getTime(),
    version: Number(r.version),
    findingIds: r.finding_ids,
    rules: r.rules,
    createdAt: new Date(r.created_at).getTime(),
  };
}

export async function getIncidents(db: Queryable, ids: readonly string[]): Promise<IncidentRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Raw>(
    `SELECT ${COLUMNS} FROM incidents WHERE id = ANY($1::text[]) ORDER BY created_at, id`,
    [ids],
  );
  return rows.map(fromRaw);
}

export async function listIncidents(db: Queryable, tenantId: string): Promise<IncidentRow[]> {
  const { rows } = await db.query<Raw>(
    `SELECT ${COLUMNS} FROM incidents WHERE tenant_id = $1 ORDER BY first_time, id`,
    [tenantId],
  );
  return rows.map(fromRaw);
}

export type IncidentContent = Pick<
  IncidentRow,
  "severity" | "confidence" | "firstTime" | "lastTime" | "findingIds" | "rules"
>;

export async function createIncident(
  db: Queryable,
  id: string,
  tenantId: string,
  content: IncidentContent,
): Promise<void> {
  await db.query(
    `INSERT INTO incidents (id, tenant_id, state, severity, confidence, first_time, last_time, finding_ids, rules)
     VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8)`,
    [id, tenantId, ...contentParams(content)],
  );
}

/** An incident's content as query parameters, in the order the statements name its columns. */
function contentParams(content: IncidentContent): unknown[] {
  return [
    content.severity,
    content.confidence,
    iso(content.firstTime),
    iso(content.lastTime),
    content.findingIds,
    content.rules,
  ];
}

/** Replaces what the incident holds and bumps its version: cards showing the old version become stale. */
export async function updateIncidentContent(
  db: Queryable,
  id: string,
  content: IncidentContent,
): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    `UPDATE incidents SET severity = $2, confidence = $3, first_time = $4, last_time = $5, finding_ids = $6, rules = $7,
       version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING version`,
    [id, ...contentParams(content)],
  );
  return Number(rows[0]?.version ?? 0);
}

/**
 * Sets what the incident's findings now weigh, leaving its version where it is: for Microsoft's alerts,
 * which change what the card shows but no action, so a decision asked on the card stays good.
 */
export async function setIncidentConfidence(db: Queryable, id: string, confidence: number): Promise<void> {
  await db.query("UPDATE incidents SET confidence = $2, updated_at = now() WHERE id = $1", [id, confidence]);
}

export async function setIncidentState(db: Queryable, id: string, state: IncidentState): Promise<void> {
  await db.query("UPDATE incidents SET state = $2, version = version + 1, updated_at = now() WHERE id = $1", [
    id,
    state,
  ]);
}

export interface AuditEntry {
  incidentId: string;
  action: string;
  fromState?: IncidentState;
  toState?: IncidentState;
  actorId?: string;
  actorName?: string;
  cardVersion?: number;
  detail?: Record<string, unknown>;
}

/** Append-only: there is no update or delete of audit rows anywhere in the code. */
export async function appendAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO incident_audit (incident_id, action, from_state, to_state, actor_id, actor_name, card_version, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.incidentId,
      entry.action,
      entry.fromState ?? null,
      entry.toState ?? null,
      entry.actorId ?? null,
      entry.actorName ?? null,
      entry.cardVersion ?? null,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}

export async function auditTrail(
  db: Queryable,
  incidentId: string,
): Promise<(AuditEntry & { at: number })[]> {
  const { rows } = await db.query<{
    incident_id: string;
    action: string;
    from_state: IncidentState | null;
    to_state: IncidentState | null;
    actor_id: string | null;
    actor_name: string | null;
    card_version: number | null;
    detail: Record<string, unknown> | string;
    at: Date | string;
  }>("SELECT * FROM incident_audit WHERE incident_id = $1 ORDER BY seq", [incidentId]);
  return rows.map((r) => ({
    incidentId: r.incident_id,
    action: r.action,
    ...(r.from_state === null ? {} : { fromState: r.from_state }),
    ...(r.to_state === null ? {} : { toState: r.to_state }),
    ...(r.actor_id === null ? {} : { actorId: r.actor_id }),
    ...(r.actor_name === null ? {} : { actorName: r.actor_name }),
    ...(r.card_version === null ? {} : { cardVersion: r.card_version }),
    detail: typeof r.detail === "string" ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
    at: new Date(r.at).getTime(),
  }));
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

export async function getIncident(db: Queryable, id: string): Promise<IncidentRow | undefined> {
  return (await getIncidents(db, [id]))[0];
}

/**
 * Moves an incident from one of `from` to `to`, atomically: of two workers or two clicks racing, one
 * wins and the other gets undefined. The transition and who made it are one audit row.
 */
export async function transitionIncident(
  db: Queryable,
  id: string,
  from: readonly IncidentState[],
  to: IncidentState,
  audit: Omit<AuditEntry, "incidentId" | "fromState" | "toState">,
  /** Only if the incident is still at this version (nothing changed since it was read). */
  expectVersion?: number,
): Promise<IncidentRow | undefined> {
  const { rows } = await db.query<Raw & { previous: IncidentState }>(
    `UPDATE incidents i SET state = $3, version = version + 1, updated_at = now()
     FROM (SELECT id, state AS previous FROM incidents WHERE id = $1 FOR UPDATE) p
     WHERE i.id = p.id AND i.state = ANY($2::text[]) AND ($4::integer IS NULL OR i.version = $4)
     RETURNING ${COLUMNS.split(", ")
       .map((c) => `i.${c}`)
       .join(", ")}, p.previous`,
    [id, from, to, expectVersion ?? null],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  await appendAudit(db, { ...audit, incidentId: id, fromState: row.previous, toState: to });
  return fromRaw(row);
}

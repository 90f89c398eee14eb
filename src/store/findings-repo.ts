import type { Finding } from "../detect/finding.js";
import type { Queryable } from "./database.js";

/** Stores findings once by their stable id; returns the ids that were new. */
export async function insertFindings(db: Queryable, findings: readonly Finding[]): Promise<Set<string>> {
  if (findings.length === 0) return new Set();
  const unique = [...new Map(findings.map((f) => [f.id, f])).values()];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO findings (id, tenant_id, rule, severity, confidence, time, body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::real[], $6::timestamptz[], $7::jsonb[])
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      unique.map((f) => f.id),
      unique.map((f) => f.tenantId),
      unique.map((f) => f.rule),
      unique.map((f) => f.severity),
      unique.map((f) => f.confidence),
      unique.map((f) => new Date(f.time).toISOString()),
      unique.map((f) => JSON.stringify(f)),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Replaces stored findings' confidence and body (Microsoft's alerts attached since they were stored); the
 * rule, time and incident stay. A finding not stored is not created here.
 */
export async function replaceFindings(db: Queryable, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  await db.query(
    `UPDATE findings SET confidence = u.confidence, body = u.body
     FROM unnest($1::text[], $2::real[], $3::jsonb[]) AS u(id, confidence, body)
     WHERE findings.id = u.id`,
    [findings.map((f) => f.id), findings.map((f) => f.confidence), findings.map((f) => JSON.stringify(f))],
  );
}

export interface StoredFinding {
  finding: Finding;
  incidentId: string | null;
}

/** A tenant's findings from a time on: what correlation needs around new findings. */
export async function findingsSince(db: Queryable, tenantId: string, since: Date): Promise<StoredFinding[]> {
  const { rows } = await db.query<{ body: Finding | string; incident_id: string | null }>(
    "SELECT body, incident_id FROM findings WHERE tenant_id = $1 AND time >= $2 ORDER BY time, id",
    [tenantId, since.toISOString()],
  );
  return rows.map((r) => ({
    finding: typeof r.body === "string" ? (JSON.parse(r.body) as Finding) : r.body,
    incidentId: r.incident_id,
  }));
}

export async function setIncidentOfFindings(
  db: Queryable,
  incidentId: string,
  findingIds: readonly string[],
): Promise<void> {
  await db.query("UPDATE findings SET incident_id = $1 WHERE id = ANY($2::text[])", [incidentId, findingIds]);
}

export async function findingsByIds(db: Queryable, ids: readonly string[]): Promise<Finding[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ body: Finding | string }>(
    "SELECT body FROM findings WHERE id = ANY($1::text[]) ORDER BY time, id",
    [ids],
  );
  return rows.map((r) => (typeof r.body === "string" ? (JSON.parse(r.body) as Finding) : r.body));
}

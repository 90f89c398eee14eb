import type { SecurityEvent } from "../detect/event.js";
import type { Database, Queryable } from "./database.js";

/**
 * Stores events once. Overlapping poll windows and the two halves of an ARM operation give the same id
 * again; the primary key keeps the first and reports only the new ones, so nothing is processed twice.
 *
 * Inserts for a tenant are serialised by an advisory lock held to commit: sequence numbers are taken at
 * insert time, and without the lock a poll holding seq 100 could commit after one holding seq 101, after
 * detection had already read past 100. With it, seq order is commit order and detection misses nothing.
 */
export async function storeEvents(db: Database, events: readonly SecurityEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const byTenant = new Map<string, SecurityEvent[]>();
  for (const event of events) byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
  const inserted = new Set<string>();
  for (const [tenantId, list] of byTenant) {
    const ids = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:events:${tenantId}`]);
      return insertEvents(tx, list);
    });
    for (const id of ids) inserted.add(id);
  }
  return inserted;
}

/** The insert itself; call it through storeEvents, which holds the tenant's lock. */
async function insertEvents(db: Queryable, events: readonly SecurityEvent[]): Promise<Set<string>> {
  // One id once per statement: Postgres refuses ON CONFLICT touching the same row twice in one insert.
  const unique = new Map<string, SecurityEvent>();
  for (const event of [...events].sort((a, b) => a.time - b.time)) {
    const key = `${event.tenantId}\u0000${event.id}`;
    if (!unique.has(key)) unique.set(key, event);
  }
  const list = [...unique.values()];
  const { rows } = await db.query<{ id: string; tenant_id: string }>(
    `INSERT INTO events (tenant_id, id, source, kind, time, body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
     ON CONFLICT (tenant_id, id) DO NOTHING
     RETURNING id, tenant_id`,
    [
      list.map((e) => e.tenantId),
      list.map((e) => e.id),
      list.map((e) => e.source),
      list.map((e) => e.kind),
      list.map((e) => new Date(e.time).toISOString()),
      list.map((e) => JSON.stringify(e)),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

export interface StoredEvent {
  seq: number;
  event: SecurityEvent;
}

/** Events of a tenant after a sequence number, in the order they were stored. */
export async function eventsAfter(
  db: Queryable,
  tenantId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  const { rows } = await db.query<{ seq: string; body: SecurityEvent | string }>(
    "SELECT seq, body FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    [tenantId, afterSeq, limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    event: typeof r.body === "string" ? (JSON.parse(r.body) as SecurityEvent) : r.body,
  }));
}

export async function countEvents(db: Queryable, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE tenant_id = $1", [
    tenantId,
  ]);
  return Number(rows[0]?.n ?? 0);
}

/** Deletes events older than the retention; findings keep their evidence references. */
export async function deleteEventsBefore(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM events WHERE time < $1", [before.toISOString()]);
  return rowCount;
}

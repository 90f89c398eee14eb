import type { SecurityEvent } from "../detect/event.js";
import type { Queryable } from "./database.js";

/**
 * Stores events once. Overlapping poll windows and the two halves of an ARM operation give the same id
 * again; the primary key keeps the first and reports only the new ones, so nothing is processed twice.
 *
 * Inserts for a tenant are serialised by an advisory lock held to commit (in the server-side function
 * warden_store_events): sequence numbers are taken at insert time, and without the lock a poll holding
 * seq 100 could commit after one holding seq 101, after detection had already read past 100. With it,
 * seq order is commit order and detection misses nothing.
 */
export async function storeEvents(db: Queryable, events: readonly SecurityEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const byTenant = new Map<string, SecurityEvent[]>();
  for (const event of events) {
    const list = byTenant.get(event.tenantId);
    if (list === undefined) byTenant.set(event.tenantId, [event]);
    else list.push(event);
  }
  const inserted = new Set<string>();
  for (const [tenantId, list] of byTenant) {
    for (const id of await insertEvents(db, tenantId, encodeRows(list))) inserted.add(id);
  }
  return inserted;
}

/** One tenant's events as the insert's parameters: short columns as arrays, the bodies as one JSON array. */
interface EncodedRows {
  ids: string[];
  sources: string[];
  kinds: string[];
  times: string[];
  bodies: string;
}

function encodeRows(events: readonly SecurityEvent[]): EncodedRows {
  // One id once per statement: Postgres refuses ON CONFLICT touching the same row twice in one insert.
  const unique = new Map<string, SecurityEvent>();
  for (const event of [...events].sort((a, b) => a.time - b.time)) {
    if (!unique.has(event.id)) unique.set(event.id, event);
  }
  let list = [...unique.values()];
  let bodies = JSON.stringify(list);
  if (bodies.includes("\\u0000")) {
    // Postgres text cannot hold U+0000 (an id with one would fail the insert, and the poll with it,
    // for ever): such characters are stored as U+FFFD, in the id and the body alike.
    list = list.map((e) => JSON.parse(withoutNul(JSON.stringify(e))) as SecurityEvent);
    bodies = JSON.stringify(list);
  }
  return {
    ids: list.map((e) => e.id),
    sources: list.map((e) => e.source),
    kinds: list.map((e) => e.kind),
    times: list.map((e) => new Date(e.time).toISOString()),
    bodies,
  };
}

/** Replaces JSON's \u0000 escapes (not an escaped backslash followed by "u0000") with \ufffd. */
export function withoutNul(json: string): string {
  return json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}

/**
 * One statement, outside any transaction: the server-side function takes the tenant's lock, inserts and
 * returns, and the statement's own commit ends the lock, with no round trip to this process between
 * (migration 3 says why). The bodies travel as one JSON array rather than a text array of JSON: measured
 * here, 34 µs a row against 56 µs, most of the difference the array's quoting (docs/reliability.md, Load).
 */
async function insertEvents(db: Queryable, tenantId: string, rows: EncodedRows): Promise<string[]> {
  const { rows: inserted } = await db.query<{ id: string }>(
    "SELECT warden_store_events($1, $2, $3, $4, $5, $6) AS id",
    [tenantId, rows.ids, rows.sources, rows.kinds, rows.times, rows.bodies],
  );
  return inserted.map((r) => r.id);
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

/**
 * Events of a tenant read from its logs, or with `observations` Warden's own observations (source
 * "warden") instead: what was read is what can be checked against what the tenant logged.
 */
export async function countEvents(
  db: Queryable,
  tenantId: string,
  which: "read" | "observations" = "read",
): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND source ${which === "read" ? "<>" : "="} 'warden'`,
    [tenantId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Deletes events older than the retention; findings keep their evidence references. */
export async function deleteEventsBefore(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM events WHERE time < $1", [before.toISOString()]);
  return rowCount;
}

/** Stored events by id (the ids findings cite as evidence), in no particular order; unknown ids are absent. */
export async function eventsByIds(
  db: Queryable,
  tenantId: string,
  ids: readonly string[],
): Promise<SecurityEvent[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ body: SecurityEvent | string }>(
    "SELECT body FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])",
    [tenantId, [...ids]],
  );
  return rows.map((r) => (typeof r.body === "string" ? (JSON.parse(r.body) as SecurityEvent) : r.body));
}

import type { Queryable } from "./database.js";

/**
 * The names of a tenant and its subscriptions, as discovery last read them (migration 8), so that a card
 * can say where an incident happened without asking Microsoft while it is drawn. Ids are kept lowercase
 * (Graph and ARM answer GUIDs in either case); a name is never removed, so a subscription that left the
 * directory keeps the last name Warden read while it could.
 */

/** One name read from Microsoft: the tenant's (its id is the tenant id) or a subscription's. */
export interface DisplayNameEntry {
  id: string;
  kind: "tenant" | "subscription";
  name: string;
}

/**
 * Names are written by whoever administers the tenant or a subscription, an attacker included, and end
 * up on a card: kept as written, but no longer than this many characters (code points, so no surrogate
 * pair is cut in half); more than any name Microsoft shows in its own portals.
 */
export const NAME_MAX_CHARS = 256;

/**
 * Characters dropped from a name: the C0 and C1 controls and DEL (line breaks and escapes that would
 * reshape a card or a log line; U+0000, which Postgres text cannot hold), and the bidirectional controls
 * that make text read differently from how it is stored (Unicode's "Trojan Source", CVE-2021-42574),
 * with which a name could pass for another.
 */
const CONTROLS = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** A name as it is kept: controls dropped, then cut to NAME_MAX_CHARS. */
export function cleanDisplayName(name: string): string {
  return Array.from(name.replace(CONTROLS, "")).slice(0, NAME_MAX_CHARS).join("");
}

/**
 * Keeps the names just read at `at` (epoch ms), replacing those read before. A name that is empty once
 * cleaned says nothing (a listing that left it out, or a name of controls only) and replaces no name
 * known; nor does a read older than the one kept (a retried discovery). The same id twice: the last wins.
 */
export async function saveDisplayNames(
  db: Queryable,
  tenantId: string,
  entries: readonly DisplayNameEntry[],
  at: number,
): Promise<void> {
  const byId = new Map<string, { kind: DisplayNameEntry["kind"]; name: string }>();
  for (const entry of entries) {
    const name = cleanDisplayName(entry.name);
    if (name.trim() === "") continue;
    byId.set(entry.id.toLowerCase(), { kind: entry.kind, name });
  }
  if (byId.size === 0) return;
  const ids = [...byId.keys()];
  const rows = [...byId.values()];
  await db.query(
    `INSERT INTO display_names (tenant_id, object_id, kind, name, seen_at)
     SELECT $1, r.id, r.kind, r.name, $5
     FROM unnest($2::text[], $3::text[], $4::text[]) AS r(id, kind, name)
     ON CONFLICT (tenant_id, object_id) DO UPDATE
       SET kind = excluded.kind, name = excluded.name, seen_at = excluded.seen_at
       WHERE display_names.seen_at <= excluded.seen_at`,
    [
      tenantId.toLowerCase(),
      ids,
      rows.map((r) => r.kind),
      rows.map((r) => r.name),
      new Date(at).toISOString(),
    ],
  );
}

/**
 * The names kept for `ids` in `tenantId`, by lowercase id (the tenant's own id gives its name); an id
 * whose name was never read is absent.
 */
export async function displayNames(
  db: Queryable,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const { rows } = await db.query<{ object_id: string; name: string }>(
    "SELECT object_id, name FROM display_names WHERE tenant_id = $1 AND object_id = ANY($2::text[])",
    [tenantId.toLowerCase(), [...new Set(ids.map((id) => id.toLowerCase()))]],
  );
  for (const row of rows) names.set(row.object_id, row.name);
  return names;
}

import type { Queryable } from "./database.js";

/** A place the bot may post: a Teams channel, group chat or personal chat. */
export interface StoredConversation {
  tenantId: string;
  conversationId: string;
  kind: "channel" | "groupChat" | "personal";
  /** The Bot Framework conversation reference, as botbuilder gives it. */
  reference: Record<string, unknown>;
}

/**
 * Remembers a conversation; says when it was last seen before this (undefined: never). The CTE reads the
 * row as it was before the upsert, in the same statement.
 */
export async function saveConversation(
  db: Queryable,
  c: StoredConversation,
): Promise<{ lastSeenAt: number | undefined }> {
  const { rows } = await db.query<{ last_seen_ms: string | number | null }>(
    `WITH before AS (SELECT updated_at FROM conversations WHERE tenant_id = $1 AND conversation_id = $2)
     INSERT INTO conversations (tenant_id, conversation_id, kind, reference) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET kind = $3, reference = $4, updated_at = now()
     RETURNING (SELECT extract(epoch FROM updated_at) * 1000 FROM before) AS last_seen_ms`,
    [c.tenantId, c.conversationId, c.kind, JSON.stringify(c.reference)],
  );
  const last = rows[0]?.last_seen_ms;
  return { lastSeenAt: last === null || last === undefined ? undefined : Number(last) };
}

export async function conversationsOf(db: Queryable, tenantId: string, kind?: StoredConversation["kind"]) {
  const { rows } = await db.query<{
    conversation_id: string;
    kind: StoredConversation["kind"];
    reference: unknown;
  }>(
    `SELECT conversation_id, kind, reference FROM conversations WHERE tenant_id = $1 ${kind === undefined ? "" : "AND kind = $2"}
     ORDER BY updated_at DESC`,
    kind === undefined ? [tenantId] : [tenantId, kind],
  );
  return rows.map(
    (r): StoredConversation => ({
      tenantId,
      conversationId: r.conversation_id,
      kind: r.kind,
      reference: (typeof r.reference === "string" ? JSON.parse(r.reference) : r.reference) as Record<
        string,
        unknown
      >,
    }),
  );
}

/** The card posted for an incident: where, which message, which version it shows. */
export async function saveIncidentCard(
  db: Queryable,
  card: { incidentId: string; conversationId: string; activityId: string; cardVersion: number },
): Promise<void> {
  await db.query(
    `INSERT INTO incident_cards (incident_id, conversation_id, activity_id, card_version) VALUES ($1, $2, $3, $4)
     ON CONFLICT (incident_id) DO UPDATE SET card_version = $4, updated_at = now()`,
    [card.incidentId, card.conversationId, card.activityId, card.cardVersion],
  );
}

export async function incidentCard(db: Queryable, incidentId: string) {
  const { rows } = await db.query<{ conversation_id: string; activity_id: string; card_version: number }>(
    "SELECT conversation_id, activity_id, card_version FROM incident_cards WHERE incident_id = $1",
    [incidentId],
  );
  const r = rows[0];
  return r === undefined
    ? undefined
    : { conversationId: r.conversation_id, activityId: r.activity_id, cardVersion: Number(r.card_version) };
}

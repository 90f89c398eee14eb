import type { Queryable } from "./database.js";

/** A place the bot may post: a Teams channel, group chat or personal chat. */
export interface StoredConversation {
  tenantId: string;
  conversationId: string;
  kind: "channel" | "groupChat" | "personal";
  /** The Bot Framework conversation reference, as botbuilder gives it. */
  reference: Record<string, unknown>;
}

/** Remembers a conversation; true when it was not known before (xmax is 0 on a row just inserted). */
export async function saveConversation(db: Queryable, c: StoredConversation): Promise<boolean> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO conversations (tenant_id, conversation_id, kind, reference) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET kind = $3, reference = $4, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [c.tenantId, c.conversationId, c.kind, JSON.stringify(c.reference)],
  );
  return rows[0]?.inserted === true;
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

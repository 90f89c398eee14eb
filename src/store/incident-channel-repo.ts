import type { Queryable } from "./database.js";

/** The one Teams channel a tenant's incident cards go to, and who pinned it. */
export interface PinnedChannel {
  conversationId: string;
  /** The Bot Framework conversation reference of the channel (without a thread part). */
  reference: Record<string, unknown>;
  /** The Entra object id of the approver whose installation pinned it. */
  pinnedBy: string;
}

/**
 * Pins the channel unless one is pinned already; true when this call pinned it. First wins, in one
 * statement, so two installations at the same moment on two processes cannot both pin.
 */
export async function pinIncidentChannel(db: Queryable, tenantId: string, channel: PinnedChannel) {
  const { rows } = await db.query<{ tenant_id: string }>(
    `INSERT INTO incident_channels (tenant_id, conversation_id, reference, pinned_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id`,
    [tenantId, channel.conversationId, JSON.stringify(channel.reference), channel.pinnedBy],
  );
  return rows.length === 1;
}

export async function pinnedIncidentChannel(
  db: Queryable,
  tenantId: string,
): Promise<PinnedChannel | undefined> {
  const { rows } = await db.query<{ conversation_id: string; reference: unknown; pinned_by: string }>(
    "SELECT conversation_id, reference, pinned_by FROM incident_channels WHERE tenant_id = $1",
    [tenantId],
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    conversationId: r.conversation_id,
    reference: (typeof r.reference === "string" ? JSON.parse(r.reference) : r.reference) as Record<
      string,
      unknown
    >,
    pinnedBy: r.pinned_by,
  };
}

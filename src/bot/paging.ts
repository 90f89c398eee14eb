import { SEVERITY_RANK, type Severity } from "../detect/finding.js";
import type { Queryable } from "../store/database.js";
import { appendAudit, auditTrail } from "../store/incidents-repo.js";

/**
 * Waking the right person: a new incident's message, and a reply when it grows more severe, @mention the
 * approvers' Teams tag where one is configured. A bot mentions a tag with an entity of type "mention"
 * whose `mentioned.type` is "tag" and whose `<at>` text appears in the message text (Teams platform docs,
 * "Channel and group chat conversations with a bot: tag mention"); Teams then notifies the tag's members.
 */

export interface TagMention {
  text: string;
  entities: { type: "mention"; text: string; mentioned: { id: string; name: string; type: "tag" } }[];
}

export function mention(tag: { id: string; name: string }, summary: string): TagMention {
  const at = `<at>${tag.name}</at>`;
  return {
    text: `${at} ${summary}`,
    entities: [{ type: "mention", text: at, mentioned: { id: tag.id, name: tag.name, type: "tag" } }],
  };
}

/** Whether the incident is more severe than when people were last told (posted, or escalated). */
export async function escalated(db: Queryable, incidentId: string, severity: Severity): Promise<boolean> {
  const told = (await auditTrail(db, incidentId)).findLast((e) => e.action === "notified");
  const was = told?.detail?.["severity"];
  return (
    typeof was === "string" &&
    was in SEVERITY_RANK &&
    SEVERITY_RANK[severity] > SEVERITY_RANK[was as Severity]
  );
}

/** Records at which severity the channel was told: who was paged, and for what, is part of the trail. */
export async function noteSeverity(db: Queryable, incidentId: string, severity: Severity): Promise<void> {
  await appendAudit(db, { incidentId, action: "notified", actorName: "Warden", detail: { severity } });
}

import { type Activity, CardFactory, MessageFactory } from "botbuilder";
import { incidentCard } from "../cards/incident-card.js";
import {
  auditLines,
  commandFor,
  incidentRef,
  NOT_CLOSED,
  STATE_WORDS,
  type TrailEntry,
} from "../cards/incident-words.js";
import { markdownText as md } from "../cards/markdown-text.js";
import { incidentView } from "../respond/view-for-card.js";
import { incidentCard as postedCard } from "../store/conversations-repo.js";
import type { Database } from "../store/database.js";
import { auditTrail, getIncident, type IncidentRow, listIncidents } from "../store/incidents-repo.js";

/**
 * The chat's answers about incidents, in the words the cards use: `open` (those not closed), `open <id>`
 * (one incident: where its card is, its state, and the card), `history <id>` (its audit trail as
 * sentences). Ids typed in chat are echoed escaped; every name and reason from the store is escaped too.
 */

type Message = string | Partial<Activity>;

/** Below Teams' 28 KB for one message, with room for the activity around the text. */
const MESSAGE_BYTES = 20 * 1024;

/** An incident of this tenant by the id typed, or undefined. */
export async function incidentNamed(db: Database, tenantId: string, id: string | undefined) {
  const incident = id === undefined || id === "" ? undefined : await getIncident(db, id);
  return incident === undefined || incident.tenantId !== tenantId ? undefined : incident;
}

/** The answer to an id that names no incident of this tenant: what was typed, as text (never a code span). */
export const noIncident = (typed: string | undefined): string =>
  `No incident ${md(typed ?? "")} here. \`open\` lists those not closed.`;

const titleOf = async (db: Database, incident: IncidentRow) => (await incidentView(db, incident)).title;

/** `open`: the incidents waiting for a decision, then the others not closed, each with its title. */
export async function openIncidents(db: Database, tenantId: string): Promise<Message> {
  const live = (await listIncidents(db, tenantId)).filter((i) => NOT_CLOSED.includes(i.state));
  const waiting = live.filter((i) => i.state === "pending");
  const others = live.filter((i) => i.state !== "pending");
  if (live.length === 0) return "No incident is waiting for a decision, and none is open.";
  const line = async (i: IncidentRow, state: boolean) =>
    `- ${incidentRef(i.id)}${state ? ` ${STATE_WORDS[i.state]},` : ""} ${i.severity}, ${Math.round(i.confidence * 100)}% sure: ${md(await titleOf(db, i))}`;
  const lines: string[] = [];
  lines.push(
    waiting.length === 0
      ? "No incident is waiting for a decision."
      : `**${waiting.length === 1 ? "1 incident is" : `${waiting.length} incidents are`} waiting for a decision:**`,
  );
  for (const i of waiting) lines.push(await line(i, false));
  if (others.length > 0) {
    lines.push(`**${others.length} more not closed:**`);
    for (const i of others) lines.push(await line(i, true));
  }
  lines.push("`open <id>` shows an incident's card; `history <id>` what happened to it, step by step.");
  return lines.join("\n");
}

/**
 * `open <id>`: one sentence that says what the incident is, its state, and where its card is, with the
 * card itself. A merged incident points to the one that goes on, where its findings now are.
 */
export async function openIncident(
  db: Database,
  tenantId: string,
  typed: string | undefined,
): Promise<Message> {
  const incident = await incidentNamed(db, tenantId, typed);
  if (incident === undefined) return noIncident(typed);
  if (incident.state === "merged") {
    const into = [...(await auditTrail(db, incident.id))].reverse().find((e) => e.action === "merged-into")
      ?.detail?.["into"];
    return typeof into === "string"
      ? `Incident ${incidentRef(incident.id)} was merged into incident ${incidentRef(into)}, which goes on with its findings: ${commandFor("open", into)} shows its card.`
      : `Incident ${incidentRef(incident.id)} was merged into another incident; \`open\` lists those not closed.`;
  }
  const view = await incidentView(db, incident);
  const posted = await postedCard(db, incident.id);
  const where =
    posted === undefined
      ? "Warden has not posted its card to the incident channel yet; here it is."
      : "Its card is in the incident channel, in a thread of its own; here is the card as it is now.";
  const line = `Incident ${incidentRef(incident.id)}: ${md(view.title)}. It is ${STATE_WORDS[incident.state]}. ${where}`;
  return MessageFactory.attachment(CardFactory.adaptiveCard(incidentCard(view)), line);
}

/**
 * `history <id>`: the incident's id, title and state, then every audit entry as a sentence, oldest first.
 * A long trail comes in several messages, each under Teams' size limit, so none is left out.
 */
export async function incidentHistory(
  db: Database,
  tenantId: string,
  typed: string | undefined,
): Promise<Message[]> {
  const incident = await incidentNamed(db, tenantId, typed);
  if (incident === undefined) return [noIncident(typed)];
  const trail: TrailEntry[] = await auditTrail(db, incident.id);
  const title = await titleOf(db, incident);
  const lines = auditLines(trail).map((l) => `- ${l}`);
  const parts: string[][] = [[]];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    const part = parts.at(-1) ?? [];
    if (part.length > 0 && bytes + size > MESSAGE_BYTES) {
      parts.push([line]);
      bytes = size;
    } else {
      part.push(line);
      bytes += size;
    }
  }
  const header = (n: number) =>
    `**History of incident ${incidentRef(incident.id)}**: ${md(title)}. It is ${STATE_WORDS[incident.state]}.${parts.length > 1 ? ` (part ${n + 1} of ${parts.length})` : ""}`;
  return parts.map((part, n) =>
    [header(n), ...(part.length === 0 ? ["Nothing is recorded for it yet."] : part)].join("\n"),
  );
}

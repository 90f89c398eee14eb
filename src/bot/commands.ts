import { type Activity, CardFactory, MessageFactory } from "botbuilder";
import { incidentCard } from "../cards/incident-card.js";
import { inventoryCard } from "../cards/inventory-card.js";
import { markdownText as md } from "../cards/markdown-text.js";
import { postureCard } from "../cards/posture-card.js";
import type { Inventory } from "../inventory/collect.js";
import { summaryLine } from "../posture/format.js";
import type { PostureReport } from "../posture/types.js";
import { incidentView } from "../respond/view-for-card.js";
import type { Database } from "../store/database.js";
import { auditTrail, getIncident, listIncidents } from "../store/incidents-repo.js";

/** What a chat command answers with, and reads from. */
export interface CommandContext {
  send(message: string | Partial<Activity>): Promise<unknown>;
  db: Database;
  tenantId: string;
  inventory(): Promise<Inventory>;
  posture(): Promise<PostureReport>;
  /** Runs work after this turn, sending into the same conversation (answers that take minutes). */
  later(work: LaterWork): void;
}

export type LaterWork = (send: (message: string | Partial<Activity>) => Promise<unknown>) => Promise<void>;

interface Command {
  /** Incidents, the admin inventory and the posture are for the people who decide; help is for anyone. */
  approversOnly: boolean;
  run(ctx: CommandContext, arg: string | undefined): Promise<void>;
}

const HELP = [
  "**Warden** answers:",
  "- `open`: incidents waiting for a decision",
  "- `incident <id>`: an incident's card",
  "- `history <id>`: an incident's audit trail",
  "- `inventory`: external accounts holding admin roles (`warden inventory` lists them all)",
  "- `posture`: the doors a takeover walks through that are open now, each with its fix (`warden posture` too)",
  "- `help`: this list",
].join("\n");

/** An incident of this tenant by the id typed, or undefined. */
async function incidentNamed(ctx: CommandContext, arg: string | undefined) {
  const incident = arg === undefined ? undefined : await getIncident(ctx.db, arg);
  return incident === undefined || incident.tenantId !== ctx.tenantId ? undefined : incident;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  open: {
    approversOnly: true,
    async run(ctx) {
      const open = (await listIncidents(ctx.db, ctx.tenantId)).filter((i) => i.state === "pending");
      await ctx.send(
        open.length === 0
          ? "No incident is waiting for a decision."
          : [
              `${open.length} waiting for a decision:`,
              ...open.map((i) => `- \`${i.id}\` ${i.severity}, ${i.rules.join(", ")}`),
            ].join("\n"),
      );
    },
  },
  incident: {
    approversOnly: true,
    async run(ctx, arg) {
      const incident = await incidentNamed(ctx, arg);
      // What was typed is echoed as escaped text, not in a code span (a backtick would end it).
      if (incident === undefined)
        return void (await ctx.send(`No incident ${md(arg ?? "")}. \`open\` lists those waiting.`));
      const view = await incidentView(ctx.db, incident);
      await ctx.send(MessageFactory.attachment(CardFactory.adaptiveCard(incidentCard(view))));
    },
  },
  history: {
    approversOnly: true,
    async run(ctx, arg) {
      const incident = await incidentNamed(ctx, arg);
      if (incident === undefined) return void (await ctx.send(`No incident ${md(arg ?? "")}.`));
      const trail = await auditTrail(ctx.db, incident.id);
      await ctx.send(
        trail
          .map(
            (e) =>
              `- ${new Date(e.at).toISOString().slice(0, 19)}Z **${e.action}**${e.actorName === undefined ? "" : ` by ${md(e.actorName)}`}${e.toState === undefined ? "" : ` → ${e.toState}`}`,
          )
          .join("\n"),
      );
    },
  },
  inventory: {
    approversOnly: true,
    async run(ctx) {
      const { entries, gaps } = await ctx.inventory();
      await ctx.send(MessageFactory.attachment(CardFactory.adaptiveCard(inventoryCard(entries, 0, gaps))));
    },
  },
  posture: {
    approversOnly: true,
    async run(ctx) {
      // A read takes minutes in a large tenant (Graph allows 10 reads of sign-ins a minute): the card
      // follows as its own message.
      await ctx.send(
        "Reading the tenant's posture; the card follows when it is read (a minute or two in a large tenant).",
      );
      ctx.later(async (send) => {
        const report = await ctx.posture();
        await send({
          ...MessageFactory.attachment(CardFactory.adaptiveCard(postureCard(report))),
          summary: summaryLine(report),
        });
      });
    },
  },
  help: {
    approversOnly: false,
    async run(ctx) {
      await ctx.send(HELP);
    },
  },
};

/** The command a message names (its first word, any case); help for anything else. */
export function commandOf(text: string): { command: Command; arg: string | undefined } {
  const [word = "", arg] = text.split(/\s+/, 2);
  const command = Object.hasOwn(COMMANDS, word.toLowerCase()) ? COMMANDS[word.toLowerCase()] : undefined;
  return { command: command ?? (COMMANDS["help"] as Command), arg };
}

import { type Activity, CardFactory, MessageFactory } from "botbuilder";
import { postureCard } from "../cards/posture-card.js";
import type { Inventory } from "../inventory/collect.js";
import { summaryLine } from "../posture/format.js";
import type { PostureReport } from "../posture/types.js";
import type { Database } from "../store/database.js";
import { incidentHistory, openIncident, openIncidents } from "./incident-answers.js";
import { inventoryAnswer } from "./inventory-answer.js";

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
  "- `open`: incidents waiting for a decision, then the others not closed",
  "- `open <id>` (or `incident <id>`): an incident's card, its state and where its card is",
  "- `history <id>`: what happened to an incident, step by step",
  "- `inventory`: external accounts holding admin roles (`warden inventory` lists them all)",
  "- `posture`: the doors a takeover walks through that are open now, each with its fix (`warden posture` too)",
  "- `help`: this list",
].join("\n");

/** `open <id>` and `incident <id>` are one answer: the id the inventory and the cards give is typed either way. */
const openOne = async (ctx: CommandContext, arg: string | undefined) =>
  void (await ctx.send(await openIncident(ctx.db, ctx.tenantId, arg)));

const COMMANDS: Readonly<Record<string, Command>> = {
  open: {
    approversOnly: true,
    async run(ctx, arg) {
      if (arg !== undefined && arg !== "") return openOne(ctx, arg);
      await ctx.send(await openIncidents(ctx.db, ctx.tenantId));
    },
  },
  incident: { approversOnly: true, run: openOne },
  history: {
    approversOnly: true,
    async run(ctx, arg) {
      for (const message of await incidentHistory(ctx.db, ctx.tenantId, arg)) await ctx.send(message);
    },
  },
  inventory: {
    approversOnly: true,
    async run(ctx) {
      const card = await inventoryAnswer(ctx.db, ctx.tenantId, await ctx.inventory(), 0);
      await ctx.send(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
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

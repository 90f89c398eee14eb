import {
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type InvokeResponse,
  TeamsActivityHandler,
  TurnContext,
} from "botbuilder";
import { incidentCard, noticeCard, VERBS, type Verb } from "../cards/incident-card.js";
import { markdownText as md } from "../cards/markdown-text.js";
import type { Severity } from "../detect/finding.js";
import type { Inventory } from "../inventory/collect.js";
import { enqueue, JOBS } from "../jobs/catalogue.js";
import type { JobQueue } from "../jobs/queue/job-queue.js";
import type { PostureReport } from "../posture/types.js";
import type { ApproverCheck } from "../respond/approvers.js";
import type { Approver } from "../respond/decide.js";
import { incidentView } from "../respond/view-for-card.js";
import type { WorkflowDeps } from "../respond/workflow.js";
import { appendAudit, getIncident } from "../store/incidents-repo.js";
import type { ApproverRoster } from "./approver-roster.js";
import { type ArrivalDeps, arrived } from "./arrivals.js";
import { readsOnly, runVerb } from "./card-verbs.js";
import { commandOf, type LaterWork } from "./commands.js";
import { inventoryAnswer } from "./inventory-answer.js";
import { withoutMentions } from "./mentions.js";

export interface BotDeps {
  /** Reads the inventory live from the tenant; the bot keeps the last one a few minutes for paging. */
  inventory: () => Promise<Inventory>;
  /** Reads the tenant's posture live (the `posture` command). */
  posture: () => Promise<PostureReport>;
  workflow: WorkflowDeps;
  queue: JobQueue;
  approvers: ApproverCheck;
  tenantId: string;
  /** The Azure Bot's app id: notices to the incident channel are sent as it (none in local mode). */
  appId?: string;
  /** WARDEN_TEAMS_CHANNEL_ID with its service URL, when the incident channel is named in config. */
  configuredChannel?: { id: string; serviceUrl: string };
  /** Finds the approvers among a channel's members, for the cards' `refresh.userIds`. */
  roster?: ApproverRoster;
  /** How long a pending incident waits before it expires, by severity: its card says when. */
  expireHours?: Readonly<Record<Severity, number>>;
}

const CARD = "application/vnd.microsoft.card.adaptive";

/**
 * The Teams side of Warden: keeps incident cards in one pinned channel and reports other teams to it
 * (arrivals.ts), answers chat commands, and turns card clicks into decisions. A click is never trusted:
 * it names an incident and the version its card showed; who clicked is checked against the approvers on
 * every click, and what runs is read from the store.
 */
export class WardenBot extends TeamsActivityHandler {
  private inventoryCache: { at: number; entries: Promise<Inventory> } | undefined;

  /** The inventory, read again when older than five minutes (paging reads the same one). */
  private inventory(): Promise<Inventory> {
    if (this.inventoryCache === undefined || Date.now() - this.inventoryCache.at > 300_000) {
      const entries = this.deps.inventory();
      entries.catch(() => {
        this.inventoryCache = undefined;
      });
      this.inventoryCache = { at: Date.now(), entries };
    }
    return this.inventoryCache.entries;
  }

  constructor(private readonly deps: BotDeps) {
    super();
    // Only Warden's own tenant may install it, talk to it or click its cards: a team of another
    // tenant must not receive this tenant's incidents, nor learn its admins.
    this.onConversationUpdate(async (context, next) => {
      if (this.ownTenant(context))
        await arrived(this.arrivalDeps(), context, this.addsWarden(context) ? "installed" : "talked");
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      const action = String((context.activity as { action?: unknown }).action ?? "");
      if (this.ownTenant(context))
        await arrived(this.arrivalDeps(), context, action.startsWith("add") ? "installed" : "talked");
      await next();
    });
    this.onMessage(async (context, next) => {
      if (!this.ownTenant(context)) {
        await context.sendActivity(
          "This Warden watches another organisation's tenant: it does not answer here.",
        );
        return next();
      }
      await arrived(this.arrivalDeps(), context, "talked");
      await this.command(context, withoutMentions(context.activity.text ?? "").trim());
      await next();
    });
  }

  private arrivalDeps(): ArrivalDeps {
    return {
      db: this.deps.workflow.db,
      tenantId: this.deps.tenantId,
      appId: this.deps.appId ?? "",
      ...(this.deps.configuredChannel === undefined ? {} : { configured: this.deps.configuredChannel }),
      approvers: this.deps.approvers,
      log: this.deps.workflow.log,
    };
  }

  /** A conversationUpdate that adds Warden itself: Warden was just installed there. */
  private addsWarden(context: TurnContext): boolean {
    const self = context.activity.recipient?.id;
    return (context.activity.membersAdded ?? []).some((m) => m.id === self);
  }

  /** The activity comes from Warden's tenant (Teams names it on every activity; none named is not ours). */
  private ownTenant(context: TurnContext): boolean {
    const tenant =
      (context.activity.conversation as { tenantId?: string } | undefined)?.tenantId ??
      (context.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    return tenant !== undefined && tenant.toLowerCase() === this.deps.tenantId;
  }

  private async command(context: TurnContext, text: string): Promise<void> {
    const { command, arg } = commandOf(text);
    if (command.approversOnly) {
      const allowed = await this.deps.approvers.check(context.activity.from?.aadObjectId);
      if (!allowed.ok) {
        await context.sendActivity(`Only Warden's approvers can ask this: ${md(allowed.reason)}.`);
        return;
      }
    }
    await command.run(
      {
        send: (message) => context.sendActivity(message),
        db: this.deps.workflow.db,
        tenantId: this.deps.tenantId,
        inventory: () => this.inventory(),
        posture: () => this.posture(),
        later: (work) => this.later(context, work),
      },
      arg,
    );
  }

  private postureRead: { at: number; report: Promise<PostureReport> } | undefined;

  /**
   * The posture, read once for everyone who asks within five minutes (a read takes minutes in a large
   * tenant, within Graph's limits): a second ask while the first reads waits for the same read.
   */
  private posture(): Promise<PostureReport> {
    if (this.postureRead === undefined || Date.now() - this.postureRead.at > 300_000) {
      const report = this.deps.posture();
      const read = { at: Date.now(), report };
      // A failed read is forgotten (the next ask reads afresh), unless a newer one replaced it already.
      report.catch(() => {
        if (this.postureRead === read) this.postureRead = undefined;
      });
      this.postureRead = read;
    }
    return this.postureRead.report;
  }

  /**
   * Work that outlasts Teams' wait for an answer (about 15 s): it runs after the turn, and sends into the
   * same conversation as a proactive message. A failure is said there too, never lost in a log.
   */
  private later(context: TurnContext, work: LaterWork): void {
    const reference = TurnContext.getConversationReference(context.activity);
    const adapter = context.adapter as CloudAdapter;
    const appId = this.deps.appId ?? "";
    const send = (message: string | Partial<Activity>) =>
      adapter.continueConversationAsync(appId, reference, async (proactive) => {
        await proactive.sendActivity(message);
      });
    void work(send).catch(async (error: unknown) => {
      this.deps.workflow.log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "a chat answer that came later failed",
      );
      await send("Warden could not finish this answer; ask again to start afresh.").catch(() => undefined);
    });
  }

  /**
   * botbuilder reads `value.action.type` before any handler runs and throws a TypeError (a 500) when
   * `value.action` is missing: a malformed click gets a 400 that says what is wrong instead.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name === "adaptiveCard/action") {
      const value = context.activity.value as { action?: unknown } | null | undefined;
      if (
        typeof value !== "object" ||
        value === null ||
        typeof value.action !== "object" ||
        value.action === null
      ) {
        return {
          status: 400,
          body: {
            statusCode: 400,
            type: "application/vnd.microsoft.error",
            value: {
              code: "BadRequest",
              message:
                "an adaptiveCard/action invoke needs value.action, an Action.Execute with a verb and data",
            },
          },
        };
      }
    }
    return super.onInvokeActivity(context);
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const answer = (card: Record<string, unknown>): AdaptiveCardInvokeResponse => ({
      statusCode: 200,
      type: CARD,
      value: card,
    });
    const verb = invokeValue?.action?.verb;
    const data = (invokeValue?.action?.data ?? {}) as Record<string, unknown>;
    // Every button is for approvers: the inventory's pages and an incident's trail as much as a decision
    // (the chat commands for them are approvers' too). Checked first, so nothing is read for anyone else.
    const from = context.activity.from;
    const clicker: Approver = { id: (from?.aadObjectId ?? "").toLowerCase(), name: from?.name ?? "unknown" };
    const allowed = this.ownTenant(context)
      ? await this.deps.approvers.check(clicker.id)
      : { ok: false as const, reason: "this Warden serves another organisation" };
    if (verb === "inventoryPage") {
      if (!allowed.ok)
        return answer(noticeCard("Refused", `Only Warden's approvers can see this: ${allowed.reason}.`));
      const page = typeof data["page"] === "number" && Number.isInteger(data["page"]) ? data["page"] : 0;
      return answer(
        await inventoryAnswer(this.deps.workflow.db, this.deps.tenantId, await this.inventory(), page),
      );
    }
    const incidentId = typeof data["incidentId"] === "string" ? data["incidentId"] : undefined;
    const version = typeof data["version"] === "number" ? data["version"] : Number.NaN;
    // A version is a small counter the store keeps as a 32-bit integer: anything else is no card of ours.
    const versionOk = Number.isInteger(version) && version >= 0 && version <= 2_147_483_647;
    if (!VERBS.includes(verb as Verb) || incidentId === undefined || !versionOk) {
      return answer(noticeCard("Not understood", "This button is not one of Warden's. Nothing was done."));
    }
    const db = this.deps.workflow.db;
    const viewOptions = this.deps.expireHours === undefined ? {} : { expireHours: this.deps.expireHours };
    // The answer keeps the card's `refresh`, or Teams would stop refreshing it for the approvers.
    const refreshFor = async () => {
      const ids = this.deps.roster === undefined ? [] : await this.deps.roster.of(context);
      return ids.length === 0 ? {} : { refreshFor: ids };
    };
    const incident = await getIncident(db, incidentId);
    if (incident === undefined || incident.tenantId !== this.deps.tenantId || !this.ownTenant(context)) {
      return answer(
        noticeCard("No such incident", "This card names no incident of this tenant. Nothing was done."),
      );
    }
    const logAction = (outcome: string, reason?: string) =>
      this.deps.workflow.log.info(
        { tenantId: this.deps.tenantId, incidentId, verb, actorId: clicker.id, outcome, reason },
        "card action",
      );
    const refused = async (reason: string) => {
      logAction("refused", reason);
      await appendAudit(db, {
        incidentId,
        action: "refused",
        ...(clicker.id === "" ? {} : { actorId: clicker.id }),
        actorName: clicker.name,
        cardVersion: version,
        detail: { verb, reason },
      });
      const view = await incidentView(db, (await getIncident(db, incidentId)) ?? incident, viewOptions);
      const card = incidentCard(view, {
        audience: allowed.ok ? "approver" : "reader",
        ...(await refreshFor()),
      });
      (card["body"] as unknown[]).unshift({
        type: "TextBlock",
        text: `Refused: ${md(reason)}`,
        wrap: true,
        color: "attention",
        weight: "Bolder",
      });
      return answer(card);
    };
    const current = async (audience: "approver" | "reader" = "approver") =>
      answer(
        incidentCard(await incidentView(db, (await getIncident(db, incidentId)) ?? incident, viewOptions), {
          audience,
          ...(await refreshFor()),
        }),
      );
    // Teams refreshes a card by itself as people open it: anyone but an approver gets the read-only card,
    // which is not a refusal (nobody asked for anything).
    if (!allowed.ok && verb === "refresh") return current("reader");
    if (!allowed.ok) return refused(allowed.reason);
    const verbOf = verb as Verb;
    if (!readsOnly(verbOf) && version !== incident.version)
      return refused(
        `the card was out of date (version ${version}, now ${incident.version}); here is the current one`,
      );
    const result = await runVerb(verbOf, {
      incident,
      version,
      data,
      clicker,
      workflow: this.deps.workflow,
      queue: this.deps.queue,
    });
    if (result.kind === "refused") return refused(result.reason);
    if (result.kind === "card") return answer(result.card);
    if (readsOnly(verbOf)) return current();
    logAction("accepted");
    await enqueue(this.deps.queue, JOBS.notify, { incidentId });
    return current();
  }
}

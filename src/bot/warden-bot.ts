import {
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type InvokeResponse,
  TeamsActivityHandler,
  TurnContext,
} from "botbuilder";
import { markdownText as md } from "../cards/markdown-text.js";
import type { Inventory } from "../inventory/collect.js";
import type { PostureReport } from "../posture/types.js";
import { type ArrivalDeps, arrived } from "./arrivals.js";
import type { BotDeps } from "./bot-deps.js";
import { answerCardInvoke } from "./card-invoke.js";
import { commandOf, type LaterWork } from "./commands.js";
import { withoutMentions } from "./mentions.js";

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
    return answerCardInvoke(
      {
        ...this.deps,
        ownTenant: this.ownTenant(context),
        inventory: () => this.inventory(),
      },
      context,
      invokeValue,
    );
  }
}

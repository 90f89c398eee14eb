import type { CloudAdapter } from "botbuilder";
import { CardFactory, MessageFactory } from "botbuilder";
import { postureCard } from "../cards/posture-card.js";
import { RateLimiter } from "../cloud/rate-limiter.js";
import { collectInventory } from "../inventory/collect.js";
import type { PostureChanges } from "../posture/changes.js";
import { summaryLine } from "../posture/format.js";
import { runPosture } from "../posture/run-posture.js";
import type { PostureReport } from "../posture/types.js";
import { ApproverCheck } from "../respond/approvers.js";
import type { WorkflowDeps } from "../respond/workflow.js";
import { postureDeps, type Warden } from "../warden.js";
import { createAdapter, createAuthentication, tokenCheck } from "./adapter.js";
import { ApproverRoster } from "./approver-roster.js";
import { postToIncidentChannel } from "./channel-post.js";
import { sendMentionTypes } from "./mention-type-mapper.js";
import { type NotifierDeps, notifyHandler } from "./notifier.js";
import { WardenBot } from "./warden-bot.js";

export { BotStartError } from "./adapter.js";
export { messagesRoute } from "./messages-route.js";

export interface BotParts {
  adapter: CloudAdapter;
  bot: WardenBot;
  notify: ReturnType<typeof notifyHandler>;
  /** Posts the posture card, with what changed, as a new thread in the incident channel. */
  postPosture: (report: PostureReport, changes: PostureChanges) => Promise<boolean>;
  /** Checks a request's bearer token before its body is read (see messagesRoute). */
  authenticate: (authorization: string) => Promise<void>;
}

/** Whether this deployment has a bot: an app id, or local mode asked for explicitly. */
export function botConfigured(warden: Warden): boolean {
  return warden.config.bot.appId !== undefined || warden.config.bot.localMode;
}

/** The bot, its adapter and the card poster, built from Warden's settings (the only botbuilder wiring). */
export function createBot(warden: Warden, workflow: WorkflowDeps): BotParts {
  const { bot: config } = warden.config;
  // Before anything is sent: a tag mention's `mentioned.type` survives botbuilder's serialiser.
  sendMentionTypes();
  const auth = createAuthentication(config);
  const adapter = createAdapter(config, warden.log, auth);
  const approvers = new ApproverCheck(config, warden.directory);
  // One roster for the notifier and the bot: both put the approvers' Teams ids in the cards' `refresh`.
  const roster = new ApproverRoster(approvers);
  const expireHours = warden.config.containment.approval.expireHours;
  const notifierDeps: NotifierDeps = {
    roster,
    expireHours,
    ...(config.teamsMentionTag === undefined ? {} : { mentionTag: config.teamsMentionTag }),
    adapter,
    limiter: new RateLimiter(),
    ...(config.channel === undefined ? {} : { configuredChannel: config.channel }),
    appId: config.appId ?? "",
    db: warden.db,
    tenantId: warden.tenantId,
    log: warden.log,
  };
  return {
    adapter,
    authenticate: tokenCheck(auth),
    bot: new WardenBot({
      workflow,
      queue: warden.queue,
      approvers,
      roster,
      expireHours,
      tenantId: warden.tenantId,
      appId: config.appId ?? "",
      ...(config.channel === undefined ? {} : { configuredChannel: config.channel }),
      inventory: () =>
        collectInventory({
          graph: warden.respond.graph,
          rbac: warden.respond.rbac,
          subscriptions: warden.respond.subscriptions,
          now: Date.now,
        }),
      posture: () => runPosture(postureDeps(warden)),
    }),
    notify: notifyHandler(notifierDeps),
    postPosture: (report, changes) =>
      postToIncidentChannel(notifierDeps, {
        ...MessageFactory.attachment(CardFactory.adaptiveCard(postureCard(report, changes))),
        summary: `Posture: ${summaryLine(report)}`,
      }),
  };
}

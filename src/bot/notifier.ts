import { CardFactory, type CloudAdapter, type ConversationReference, MessageFactory } from "botbuilder";
import { incidentCard } from "../cards/incident-card.js";
import { notificationSummary } from "../cards/notification-summary.js";
import { LIMITS, type RateLimiter } from "../cloud/rate-limiter.js";
import type { Severity } from "../detect/finding.js";
import type { Logger } from "../log.js";
import { cardsSent, eventToCard, incidentToCard } from "../metrics/process-metrics.js";
import { incidentView } from "../respond/view-for-card.js";
import { incidentCard as postedCard, saveIncidentCard } from "../store/conversations-repo.js";
import type { Database } from "../store/database.js";
import { getIncident } from "../store/incidents-repo.js";
import type { ApproverRoster } from "./approver-roster.js";
import { incidentChannel } from "./incident-channel.js";
import { escalated, mention, noteSeverity, type TagMention } from "./paging.js";

export interface NotifierDeps {
  /** A channel named in config: incident cards go there, whatever installations say. */
  configuredChannel?: { id: string; serviceUrl: string };
  /** Keeps posting within Teams' per-conversation limits instead of discovering them through 429s. */
  limiter: RateLimiter;
  adapter: CloudAdapter;
  appId: string;
  db: Database;
  tenantId: string;
  log: Logger;
  /** Finds the approvers in the channel: the card refreshes for them with its buttons (approver-roster.ts). */
  roster?: ApproverRoster;
  /** A Teams tag to @mention in each new or escalated incident's message (WARDEN_TEAMS_MENTION_TAG_ID). */
  mentionTag?: { id: string; name: string };
  /** How long a pending incident waits before it expires, by severity: its card says when. */
  expireHours?: Readonly<Record<Severity, number>>;
}

/**
 * `notify`: posts an incident's card to the incident channel (configured, or pinned by the first
 * installation an approver made: see incidentChannel), one thread per incident, or
 * updates the card already posted so everyone sees the same state. Connector throttling (429) is retried
 * by the Bot Framework client; a failure fails the job, which the queue retries.
 */
export function notifyHandler(deps: NotifierDeps) {
  return async (job: { data: Record<string, unknown> }): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const incident = await getIncident(deps.db, incidentId);
    if (incident === undefined || incident.state === "merged") return;
    const channel = await incidentChannel({
      db: deps.db,
      tenantId: deps.tenantId,
      appId: deps.appId,
      ...(deps.configuredChannel === undefined ? {} : { configured: deps.configuredChannel }),
    });
    if (channel === undefined) {
      deps.log.warn(
        { incidentId },
        "no incident channel yet: an approver installs Warden in the SOC's team, or set WARDEN_TEAMS_CHANNEL_ID",
      );
      return;
    }
    const view = await incidentView(
      deps.db,
      incident,
      deps.expireHours === undefined ? {} : { expireHours: deps.expireHours },
    );
    const reference = channel.reference as Partial<ConversationReference>;
    // Posted read-only for everyone, refreshed with the buttons for the approvers Teams knows of. When
    // none can be found (the roster unread), the approvers' card goes to all: every click is checked.
    const approvers = await rosterOf(deps, reference, channel.conversationId);
    const card = CardFactory.adaptiveCard(
      incidentCard(view, approvers.length === 0 ? {} : { audience: "reader", refreshFor: approvers }),
    );
    // Teams shows the summary in a phone's notification and the activity feed ("Sent a card" without).
    const message = { ...MessageFactory.attachment(card), summary: notificationSummary(view) };
    const paging: Partial<TagMention> =
      deps.mentionTag === undefined ? {} : mention(deps.mentionTag, message.summary);
    // Both of Teams' windows start when the send (with the connector's own retries) has ended.
    const perSecond = await deps.limiter.take(
      `teams:${channel.conversationId}:second`,
      LIMITS.teamsPerSecond,
    );
    const per30Seconds = await deps.limiter.take(
      `teams:${channel.conversationId}:30s`,
      LIMITS.teamsPer30Seconds,
    );
    try {
      const posted = await postedCard(deps.db, incidentId);
      if (posted !== undefined) {
        // A card already showing this version is rendered again only when asked to (alerts attached).
        if (posted.cardVersion >= incident.version && job.data["refresh"] !== true) return;
        await deps.adapter.continueConversationAsync(
          deps.appId,
          {
            ...reference,
            conversation: {
              ...reference.conversation,
              id: posted.conversationId,
            } as ConversationReference["conversation"],
          },
          async (context) => {
            await context.updateActivity({ ...message, id: posted.activityId });
            // An update notifies nobody: an incident grown more severe is said again, in its thread.
            if (await escalated(deps.db, incidentId, incident.severity)) {
              const said = `Escalated to ${incident.severity}: ${message.summary}`;
              await context.sendActivity({
                type: "message",
                summary: message.summary,
                ...(deps.mentionTag === undefined ? { text: said } : mention(deps.mentionTag, said)),
              });
              await noteSeverity(deps.db, incidentId, incident.severity);
            }
          },
        );
        await saveIncidentCard(deps.db, { ...posted, incidentId, cardVersion: incident.version });
        cardsSent.inc({ kind: "updated" });
        deps.log.info(
          { tenantId: deps.tenantId, incidentId, state: incident.state, version: incident.version },
          "card updated",
        );
        return;
      }
      // A new thread in the channel: the connector answers with the thread's conversation and message ids.
      await deps.adapter.createConversationAsync(
        deps.appId,
        reference.channelId ?? "msteams",
        reference.serviceUrl ?? "",
        "https://api.botframework.com",
        {
          isGroup: true,
          channelData: { channel: { id: channel.conversationId } },
          activity: { ...message, ...paging },
          bot: reference.bot,
        } as never,
        async (context) => {
          const thread = context.activity.conversation.id;
          const activityId = thread.split(";messageid=")[1] ?? context.activity.id ?? "";
          await saveIncidentCard(deps.db, {
            incidentId,
            conversationId: thread,
            activityId,
            cardVersion: incident.version,
          });
          await noteSeverity(deps.db, incidentId, incident.severity);
        },
      );
      const now = Date.now();
      cardsSent.inc({ kind: "posted" });
      eventToCard.observe(Math.max(0, now - incident.firstTime) / 1_000);
      incidentToCard.observe(Math.max(0, now - incident.createdAt) / 1_000);
      deps.log.info(
        { tenantId: deps.tenantId, incidentId, state: incident.state, version: incident.version },
        "card posted",
      );
    } finally {
      perSecond();
      per30Seconds();
    }
  };
}

/** The approvers among the channel's members, read in a turn of the channel itself. */
async function rosterOf(
  deps: NotifierDeps,
  reference: Partial<ConversationReference>,
  channelId: string,
): Promise<string[]> {
  const roster = deps.roster;
  if (roster === undefined) return [];
  let ids: string[] = [];
  await deps.adapter
    .continueConversationAsync(
      deps.appId,
      {
        ...reference,
        conversation: { ...reference.conversation, id: channelId } as ConversationReference["conversation"],
      },
      async (context) => {
        ids = await roster.of(context);
      },
    )
    .catch(() => undefined);
  return ids;
}

import type { ConversationReference } from "botbuilder";
import { LIMITS } from "../cloud/rate-limiter.js";
import { incidentChannel } from "./incident-channel.js";
import type { NotifierDeps } from "./notifier.js";

/**
 * Posts a message as a new thread in the incident channel (configured, or pinned by an approver's
 * installation), within Teams' per-conversation limits. Answers false when there is no channel yet:
 * the caller keeps what it meant to say for next time.
 */
export async function postToIncidentChannel(
  deps: NotifierDeps,
  message: Record<string, unknown>,
): Promise<boolean> {
  const channel = await incidentChannel({
    db: deps.db,
    tenantId: deps.tenantId,
    appId: deps.appId,
    ...(deps.configuredChannel === undefined ? {} : { configured: deps.configuredChannel }),
  });
  if (channel === undefined) return false;
  const perSecond = await deps.limiter.take(`teams:${channel.conversationId}:second`, LIMITS.teamsPerSecond);
  const per30Seconds = await deps.limiter.take(
    `teams:${channel.conversationId}:30s`,
    LIMITS.teamsPer30Seconds,
  );
  try {
    const reference = channel.reference as Partial<ConversationReference>;
    await deps.adapter.createConversationAsync(
      deps.appId,
      reference.channelId ?? "msteams",
      reference.serviceUrl ?? "",
      "https://api.botframework.com",
      {
        isGroup: true,
        channelData: { channel: { id: channel.conversationId } },
        activity: message,
        bot: reference.bot,
      } as never,
      async () => undefined,
    );
    return true;
  } finally {
    perSecond();
    per30Seconds();
  }
}

import type { Database } from "../store/database.js";
import { pinnedIncidentChannel } from "../store/incident-channel-repo.js";

/** Where incident cards and notices go: a channel id and the conversation reference to post with. */
export interface IncidentChannel {
  conversationId: string;
  reference: Record<string, unknown>;
}

export interface IncidentChannelSettings {
  db: Database;
  tenantId: string;
  appId: string;
  /** WARDEN_TEAMS_CHANNEL_ID with its WARDEN_TEAMS_SERVICE_URL: wins over any installation. */
  configured?: { id: string; serviceUrl: string };
}

/**
 * The channel incident cards go to: the configured one, else the one pinned by the first installation an
 * approver made. Never the channel that spoke last: any member of the tenant can add the app to a team
 * of their own and talk to it there (issue 17, finding 1). Undefined until one is configured or pinned.
 */
export async function incidentChannel(
  settings: IncidentChannelSettings,
): Promise<IncidentChannel | undefined> {
  const { configured } = settings;
  if (configured !== undefined) {
    return {
      conversationId: configured.id,
      reference: {
        channelId: "msteams",
        serviceUrl: configured.serviceUrl,
        bot: { id: `28:${settings.appId}`, name: "Warden" },
        conversation: {
          id: configured.id,
          conversationType: "channel",
          tenantId: settings.tenantId,
          isGroup: true,
        },
      },
    };
  }
  const pinned = await pinnedIncidentChannel(settings.db, settings.tenantId);
  return pinned === undefined
    ? undefined
    : { conversationId: pinned.conversationId, reference: pinned.reference };
}

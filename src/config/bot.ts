import { bool, ConfigError, type EnvValue, guid, guids } from "./readers.js";

/** The Teams bot's settings (docs/deploy.md): its identity, who may approve, and what it trusts. */
export interface BotConfig {
  /** The Azure Bot's app id (MICROSOFT_APP_ID): the audience every inbound token must name. */
  appId?: string;
  appPassword?: string;
  appTenantId?: string;
  /** WARDEN_BOT_LOCAL_MODE: run the bot without authentication, on loopback only, for local trials. */
  localMode: boolean;
  /** Members of this Entra group may approve (WARDEN_APPROVER_GROUP_ID)... */
  approverGroupId?: string;
  /** ...and so may these object ids (WARDEN_APPROVERS). */
  approvers: string[];
  /**
   * WARDEN_BOT_OPENID_METADATA_URL: trust this token service instead of Microsoft's. Only for the
   * simulator and the demo; refused unless it is on loopback.
   */
  openIdMetadataUrl?: string;
  /**
   * The channel to post incident cards in, when it is named rather than learnt at installation
   * (WARDEN_TEAMS_CHANNEL_ID, with its WARDEN_TEAMS_SERVICE_URL).
   */
  channel?: { id: string; serviceUrl: string };
}

/** Local mode without an app id: nothing authenticates the bot's callers but local-mode-guard.ts. */
export function authenticationOff(config: BotConfig): boolean {
  return config.localMode && config.appId === undefined;
}

const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i;

export function parseBotConfig(value: EnvValue): BotConfig {
  const appId = guid(value, "MICROSOFT_APP_ID", "the Azure Bot's app id");
  const localMode = bool(value, "WARDEN_BOT_LOCAL_MODE", false);
  const group = guid(value, "WARDEN_APPROVER_GROUP_ID", "a group's object id");
  const approvers = guids(value, "WARDEN_APPROVERS");
  const openId = value("WARDEN_BOT_OPENID_METADATA_URL");
  if (openId !== undefined && !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(openId)) {
    throw new ConfigError(
      "WARDEN_BOT_OPENID_METADATA_URL may only point at a loopback simulator; in production the bot trusts Microsoft's metadata",
    );
  }
  const channelId = value("WARDEN_TEAMS_CHANNEL_ID");
  const serviceUrl = value("WARDEN_TEAMS_SERVICE_URL");
  if ((channelId === undefined) !== (serviceUrl === undefined)) {
    throw new ConfigError(
      "WARDEN_TEAMS_CHANNEL_ID and WARDEN_TEAMS_SERVICE_URL go together: set both, or neither to use the channel Warden is installed in",
    );
  }
  if (channelId !== undefined && !/^19:.+@thread\.(tacv2|skype)$/.test(channelId)) {
    throw new ConfigError(
      `WARDEN_TEAMS_CHANNEL_ID must be a Teams channel id (19:...@thread.tacv2), got "${channelId}"`,
    );
  }
  // Without authentication the bot is a loopback trial: it must not post to a real Teams either.
  if (localMode && appId === undefined && serviceUrl !== undefined && !LOOPBACK_URL.test(serviceUrl)) {
    throw new ConfigError(
      `in local mode without MICROSOFT_APP_ID, WARDEN_TEAMS_SERVICE_URL must be on loopback (http://127.0.0.1:PORT/), got "${serviceUrl}"`,
    );
  }
  const password = value("MICROSOFT_APP_PASSWORD");
  const tenant = value("MICROSOFT_APP_TENANT_ID");
  return {
    ...(appId === undefined ? {} : { appId }),
    ...(password === undefined ? {} : { appPassword: password }),
    ...(tenant === undefined ? {} : { appTenantId: tenant }),
    localMode,
    ...(group === undefined ? {} : { approverGroupId: group }),
    approvers,
    ...(openId === undefined ? {} : { openIdMetadataUrl: openId }),
    ...(channelId === undefined || serviceUrl === undefined
      ? {}
      : { channel: { id: channelId, serviceUrl } }),
  };
}

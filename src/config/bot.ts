import { bool, ConfigError, type EnvValue, guid, guids } from "./readers.js";
import { parseTeamsMentionTag, type TeamsMentionTag } from "./teams-mention.js";

export type { TeamsMentionTag } from "./teams-mention.js";

/** The Teams bot's settings (docs/deploy.md): its identity, who may approve, and what it trusts. */
export interface BotConfig {
  /** The Azure Bot's app id (MICROSOFT_APP_ID): the audience every inbound token must name. */
  appId?: string;
  appPassword?: string;
  appTenantId?: string;
  /**
   * How the bot gets its tokens (MICROSOFT_APP_TYPE, the Azure Bot's "Type of App"): `SingleTenant` (a
   * secret in its own tenant; what Azure creates today), `UserAssignedMSI` (a managed identity, no
   * secret) or `MultiTenant` (bots made before 31 July 2025). Unset, it is SingleTenant when
   * MICROSOFT_APP_TENANT_ID is set, else MultiTenant.
   */
  appType: BotAppType;
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
  /**
   * The Teams tag to @mention in each new or escalated incident's message (WARDEN_TEAMS_MENTION_TAG_ID,
   * with its display name WARDEN_TEAMS_MENTION_TAG_NAME); how Teams takes a tag mention, and its limits,
   * in teams-mention.ts.
   */
  teamsMentionTag?: TeamsMentionTag;
}

export type BotAppType = "SingleTenant" | "MultiTenant" | "UserAssignedMSI";
const APP_TYPES: readonly BotAppType[] = ["SingleTenant", "MultiTenant", "UserAssignedMSI"];

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
  const mentionTag = parseTeamsMentionTag(value);
  const password = value("MICROSOFT_APP_PASSWORD");
  const tenant = guid(value, "MICROSOFT_APP_TENANT_ID", "the tenant id of the bot's app registration");
  const appType = botAppType(value, tenant);
  // The simulator signs the bot's outbound calls itself: no secret or identity to check there.
  if (appId !== undefined && openId === undefined) checkBotIdentity(appType, password, tenant);
  return {
    ...(appId === undefined ? {} : { appId }),
    ...(password === undefined ? {} : { appPassword: password }),
    ...(tenant === undefined ? {} : { appTenantId: tenant }),
    appType,
    localMode,
    ...(group === undefined ? {} : { approverGroupId: group }),
    approvers,
    ...(openId === undefined ? {} : { openIdMetadataUrl: openId }),
    ...(channelId === undefined || serviceUrl === undefined
      ? {}
      : { channel: { id: channelId, serviceUrl } }),
    ...(mentionTag === undefined ? {} : { teamsMentionTag: mentionTag }),
  };
}

function botAppType(value: EnvValue, tenant: string | undefined): BotAppType {
  const raw = value("MICROSOFT_APP_TYPE");
  if (raw === undefined) return tenant === undefined ? "MultiTenant" : "SingleTenant";
  const known = APP_TYPES.find((t) => t.toLowerCase() === raw.toLowerCase());
  if (known === undefined)
    throw new ConfigError(
      `MICROSOFT_APP_TYPE must be one of ${APP_TYPES.join(", ")} (the Azure Bot's Type of App), got "${raw}"`,
    );
  return known;
}

/**
 * What each kind of bot identity needs, and what contradicts it: a bot that cannot get its token starts
 * fine and fails at its first card, so the start refuses instead, saying what to set.
 */
function checkBotIdentity(
  appType: BotAppType,
  password: string | undefined,
  tenant: string | undefined,
): void {
  if (appType === "UserAssignedMSI") {
    if (password !== undefined)
      throw new ConfigError(
        "MICROSOFT_APP_PASSWORD is set, but MICROSOFT_APP_TYPE is UserAssignedMSI: the bot gets its tokens from its managed identity (MICROSOFT_APP_ID is its client id); remove the password",
      );
    if (tenant === undefined)
      throw new ConfigError(
        "MICROSOFT_APP_TYPE UserAssignedMSI needs MICROSOFT_APP_TENANT_ID: the managed identity's tenant",
      );
    return;
  }
  if (password === undefined)
    throw new ConfigError(
      `MICROSOFT_APP_TYPE ${appType} needs MICROSOFT_APP_PASSWORD: a client secret of the bot's app registration (or use a managed identity: MICROSOFT_APP_TYPE=UserAssignedMSI)`,
    );
  if (appType === "SingleTenant" && tenant === undefined)
    throw new ConfigError(
      "MICROSOFT_APP_TYPE SingleTenant needs MICROSOFT_APP_TENANT_ID: the tenant of the bot's app registration (without it the token is asked of the Bot Framework's tenant, and the first card fails)",
    );
  if (appType === "MultiTenant" && tenant !== undefined)
    throw new ConfigError(
      "MICROSOFT_APP_TENANT_ID is set, but MICROSOFT_APP_TYPE is MultiTenant: a multi-tenant bot gets its tokens from the Bot Framework's tenant. Set MICROSOFT_APP_TYPE=SingleTenant (what Azure creates today), or unset the tenant id",
    );
}

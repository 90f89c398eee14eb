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

export class BotConfigError extends Error {}

/** Local mode without an app id: nothing authenticates the bot's callers but local-mode-guard.ts. */
export function authenticationOff(config: BotConfig): boolean {
  return config.localMode && config.appId === undefined;
}

const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseBotConfig(value: (name: string) => string | undefined): BotConfig {
  const appId = value("MICROSOFT_APP_ID");
  if (appId !== undefined && !GUID.test(appId)) {
    throw new BotConfigError(`MICROSOFT_APP_ID must be the Azure Bot's app id (a GUID), got "${appId}"`);
  }
  const local = (value("WARDEN_BOT_LOCAL_MODE") ?? "false").toLowerCase();
  if (!["true", "false", "1", "0"].includes(local))
    throw new BotConfigError(`WARDEN_BOT_LOCAL_MODE must be true or false, got "${local}"`);
  const group = value("WARDEN_APPROVER_GROUP_ID");
  if (group !== undefined && !GUID.test(group))
    throw new BotConfigError(`WARDEN_APPROVER_GROUP_ID must be a group's object id, got "${group}"`);
  const approvers = (value("WARDEN_APPROVERS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = approvers.find((a) => !GUID.test(a));
  if (bad !== undefined)
    throw new BotConfigError(`WARDEN_APPROVERS takes object ids separated by commas; "${bad}" is not one`);
  const openId = value("WARDEN_BOT_OPENID_METADATA_URL");
  if (openId !== undefined && !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(openId)) {
    throw new BotConfigError(
      "WARDEN_BOT_OPENID_METADATA_URL may only point at a loopback simulator; in production the bot trusts Microsoft's metadata",
    );
  }
  const channelId = value("WARDEN_TEAMS_CHANNEL_ID");
  const serviceUrl = value("WARDEN_TEAMS_SERVICE_URL");
  if ((channelId === undefined) !== (serviceUrl === undefined)) {
    throw new BotConfigError(
      "WARDEN_TEAMS_CHANNEL_ID and WARDEN_TEAMS_SERVICE_URL go together: set both, or neither to use the channel Warden is installed in",
    );
  }
  if (channelId !== undefined && !/^19:.+@thread\.(tacv2|skype)$/.test(channelId)) {
    throw new BotConfigError(
      `WARDEN_TEAMS_CHANNEL_ID must be a Teams channel id (19:...@thread.tacv2), got "${channelId}"`,
    );
  }
  // Without authentication the bot is a loopback trial: it must not post to a real Teams either.
  if (localOn(local) && appId === undefined && serviceUrl !== undefined && !LOOPBACK_URL.test(serviceUrl)) {
    throw new BotConfigError(
      `in local mode without MICROSOFT_APP_ID, WARDEN_TEAMS_SERVICE_URL must be on loopback (http://127.0.0.1:PORT/), got "${serviceUrl}"`,
    );
  }
  const password = value("MICROSOFT_APP_PASSWORD");
  const tenant = value("MICROSOFT_APP_TENANT_ID");
  return {
    ...(appId === undefined ? {} : { appId }),
    ...(password === undefined ? {} : { appPassword: password }),
    ...(tenant === undefined ? {} : { appTenantId: tenant }),
    localMode: localOn(local),
    ...(group === undefined ? {} : { approverGroupId: group.toLowerCase() }),
    approvers: approvers.map((a) => a.toLowerCase()),
    ...(openId === undefined ? {} : { openIdMetadataUrl: openId }),
    ...(channelId === undefined || serviceUrl === undefined
      ? {}
      : { channel: { id: channelId, serviceUrl } }),
  };
}

function localOn(value: string): boolean {
  return value === "true" || value === "1";
}

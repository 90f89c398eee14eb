import { ManagedIdentityCredential } from "@azure/identity";
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from "botbuilder";
import {
  type IJwtTokenProviderFactory,
  ManagedIdentityServiceClientCredentialsFactory,
  PasswordServiceClientCredentialFactory,
  ServiceClientCredentialsFactory,
} from "botframework-connector";
import type { BotConfig } from "../config/bot.js";
import type { Logger } from "../log.js";

/** Thrown when the bot must not start as configured: the message says what to set. */
export class BotStartError extends Error {}

/**
 * Outbound credentials for a simulated Bot Connector: requests are signed with a fixed test token, and
 * nothing calls login.microsoftonline.com. Used only with WARDEN_BOT_OPENID_METADATA_URL (loopback).
 */
class SimulatorCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly appId: string) {
    super();
  }
  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }
  async createCredentials() {
    return {
      async signRequest<T extends { headers: { set(name: string, value: string): void } }>(
        request: T,
      ): Promise<T> {
        request.headers.set("authorization", "Bearer simulated-connector-token");
        return request;
      },
    };
  }
}

/**
 * How inbound tokens are checked: Microsoft's Bot Framework metadata, or the loopback simulator's when
 * configured. Without an app id it refuses, unless local mode is asked for explicitly (then
 * authentication is off and the web process binds to loopback only).
 */
export function createAuthentication(config: BotConfig): ConfigurationBotFrameworkAuthentication {
  if (config.appId === undefined && !config.localMode) {
    throw new BotStartError(
      "MICROSOFT_APP_ID is not set: the bot would accept unauthenticated requests. Set the Azure Bot's app id (and MICROSOFT_APP_PASSWORD), or WARDEN_BOT_LOCAL_MODE=true for a loopback-only trial.",
    );
  }
  const appId = config.appId ?? "";
  const simulated = config.openIdMetadataUrl;
  const options = {
    MicrosoftAppId: appId,
    MicrosoftAppType: config.appType,
    ...(config.appTenantId === undefined ? {} : { MicrosoftAppTenantId: config.appTenantId }),
    // Setting these switches botbuilder to a token service other than Microsoft's: the simulator's.
    ...(simulated === undefined
      ? {}
      : {
          ToBotFromChannelOpenIdMetadataUrl: simulated,
          ToBotFromEmulatorOpenIdMetadataUrl: simulated,
          ToBotFromChannelTokenIssuer: "https://api.botframework.com",
          ToChannelFromBotLoginUrl: `${new URL(simulated).origin}/login`,
          ToChannelFromBotOAuthScope: "https://api.botframework.com",
          OAuthUrl: `${new URL(simulated).origin}/oauth`,
          CallerId: "urn:botframework:azure",
        }),
  };
  return new ConfigurationBotFrameworkAuthentication(options, credentialsFor(config, appId));
}

/**
 * The bot's managed identity, and nothing else. botbuilder's own factory builds a DefaultAzureCredential,
 * which tries the environment's credential first: where Warden's app secret is in AZURE_CLIENT_SECRET,
 * the bot would sign as Warden's app, and the Connector refuse it at the first card.
 */
const managedIdentityOnly: IJwtTokenProviderFactory = {
  createAzureServiceTokenProvider: (appId: string) =>
    // The interface names DefaultAzureCredential (of botbuilder's own copy of @azure/identity); it calls
    // only getToken, which every credential has.
    new ManagedIdentityCredential({ clientId: appId }) as unknown as ReturnType<
      IJwtTokenProviderFactory["createAzureServiceTokenProvider"]
    >,
};

/**
 * How the bot signs its calls to the Bot Connector, by the Azure Bot's type of app (config/bot.ts checks
 * each has what it needs): a managed identity's token (IDENTITY_ENDPOINT, as Azure sets it), or a client
 * secret in the bot's own tenant (single tenant) or the Bot Framework's (multi-tenant).
 */
function credentialsFor(config: BotConfig, appId: string): ServiceClientCredentialsFactory {
  if (config.openIdMetadataUrl !== undefined) return new SimulatorCredentialsFactory(appId);
  if (config.appType === "UserAssignedMSI" && appId !== "")
    return new ManagedIdentityServiceClientCredentialsFactory(appId, managedIdentityOnly);
  return new PasswordServiceClientCredentialFactory(
    appId,
    config.appPassword ?? "",
    config.appType === "SingleTenant" ? (config.appTenantId ?? "") : "",
  );
}

/**
 * A check of the bearer token alone (signature, issuer, audience, expiry, endorsed for Teams), made
 * before the request's body is read; the adapter checks it again with the activity once it is.
 */
export function tokenCheck(auth: ConfigurationBotFrameworkAuthentication) {
  return async (authorization: string): Promise<void> => {
    await auth.authenticateStreamingRequest(authorization, "msteams");
  };
}

/** The Bot Framework adapter with inbound authentication on (see createAuthentication). */
export function createAdapter(
  config: BotConfig,
  log: Logger,
  auth: ConfigurationBotFrameworkAuthentication = createAuthentication(config),
): CloudAdapter {
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    log.error(
      { err: (error as Error).message, conversation: context.activity.conversation?.id },
      "bot turn failed",
    );
    // A click whose handling failed gets a 500 that says so (without one, the adapter answers 501, which
    // reads as "not supported").
    if (context.activity.type === "invoke") {
      await context.sendActivity({
        type: "invokeResponse",
        value: {
          status: 500,
          body: {
            statusCode: 500,
            type: "application/vnd.microsoft.error",
            value: { code: "InternalError", message: "Warden could not handle this click; nothing was done" },
          },
        },
      });
    }
  };
  return adapter;
}

/**
 * Readiness's proof that the bot can get the token it posts cards with (`/readyz` `botToken`): a bot
 * whose identity is wrong starts fine and fails at its first card otherwise. None without an app id, in
 * local mode, or with the simulator (which signs the bot's calls itself).
 */
export function botTokenCheck(config: BotConfig): (() => Promise<void>) | undefined {
  const appId = config.appId;
  if (appId === undefined || config.openIdMetadataUrl !== undefined) return undefined;
  const factory = credentialsFor(config, appId);
  const authority = `https://login.microsoftonline.com/${
    config.appType === "SingleTenant" ? (config.appTenantId ?? "") : "botframework.com"
  }`;
  return async () => {
    // The factories answer AppCredentials, which get their token with getToken; the type says less.
    const credentials = (await factory.createCredentials(
      appId,
      "https://api.botframework.com",
      authority,
      true,
    )) as unknown as { getToken(forceRefresh?: boolean): Promise<string> };
    const token = await credentials.getToken(false);
    if (token === "") throw new Error("the bot's token service gave no token");
  };
}

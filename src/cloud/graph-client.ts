import type { TokenCredential } from "@azure/identity";
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { LimitedGraphTransport } from "./limited-transport.js";
import type { RateLimiter } from "./rate-limiter.js";
import { graphScopeFor } from "./scopes.js";

/**
 * The one Graph client setup: authentication, the SDK's retries (Retry-After honoured), then the rate
 * limiter for every attempt, then the wire. Every Graph reader and writer in Warden is built on it.
 */
export function makeGraphClient(
  credential: TokenCredential,
  graphUrl: string,
  tenantId: string,
  limiter: RateLimiter,
): Client {
  const host = new URL(graphUrl).hostname;
  const auth = new AuthenticationHandler(
    new TokenCredentialAuthenticationProvider(credential, {
      scopes: [graphScopeFor(graphUrl)],
    }),
  );
  const retry = new RetryHandler(new RetryHandlerOptions());
  const limited = new LimitedGraphTransport(limiter, tenantId);
  auth.setNext(retry);
  retry.setNext(limited);
  limited.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: graphUrl,
    defaultVersion: "v1.0",
    // The SDK attaches the token only to Graph's own hosts, or to these.
    ...(host === "graph.microsoft.com" ? {} : { customHosts: new Set([host]) }),
  });
}

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

export type GraphLog = "directoryAudits" | "signIns" | "riskDetections";

const PATHS: Record<GraphLog, { path: string; timeField: string; top: number }> = {
  directoryAudits: { path: "/auditLogs/directoryAudits", timeField: "activityDateTime", top: 1000 },
  signIns: { path: "/auditLogs/signIns", timeField: "createdDateTime", top: 1000 },
  riskDetections: { path: "/identityProtection/riskDetections", timeField: "detectedDateTime", top: 500 },
};

/** Reads Entra logs through the Graph SDK, page by page; every request waits for the tenant's rate limit. */
export class GraphLogs {
  private readonly client: Client;

  constructor(credential: TokenCredential, graphUrl: string, tenantId: string, limiter: RateLimiter) {
    const host = new URL(graphUrl).hostname;
    // Authentication, the SDK's retries, then the rate limiter for every attempt, then the wire.
    const auth = new AuthenticationHandler(
      new TokenCredentialAuthenticationProvider(credential, {
        scopes: ["https://graph.microsoft.com/.default"],
      }),
    );
    const retry = new RetryHandler(new RetryHandlerOptions());
    const limited = new LimitedGraphTransport(limiter, tenantId);
    auth.setNext(retry);
    retry.setNext(limited);
    limited.setNext(new HTTPMessageHandler());
    this.client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: graphUrl,
      defaultVersion: "v1.0",
      // The SDK attaches the token only to Graph's own hosts, or to these.
      ...(host === "graph.microsoft.com" ? {} : { customHosts: new Set([host]) }),
    });
  }

  /** Every record whose time lies in [from, to], all pages. */
  async *list(log: GraphLog, from: Date, to: Date): AsyncGenerator<Record<string, unknown>[]> {
    const spec = PATHS[log];
    type Page = { value?: Record<string, unknown>[]; "@odata.nextLink"?: string };
    let page = (await this.client
      .api(spec.path)
      .filter(`${spec.timeField} ge ${from.toISOString()} and ${spec.timeField} le ${to.toISOString()}`)
      .top(spec.top)
      .get()) as Page;
    for (;;) {
      yield page.value ?? [];
      const next = page["@odata.nextLink"];
      if (next === undefined) return;
      page = (await this.client.api(next).get()) as Page;
    }
  }
}

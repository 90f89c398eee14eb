import type { TokenCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { LIMITS, type RateLimiter } from "./rate-limiter.js";

export type GraphLog = "directoryAudits" | "signIns" | "riskDetections";

const PATHS: Record<GraphLog, { path: string; timeField: string; top: number; limit: keyof typeof LIMITS }> =
  {
    directoryAudits: {
      path: "/auditLogs/directoryAudits",
      timeField: "activityDateTime",
      top: 1000,
      limit: "graphReports",
    },
    signIns: { path: "/auditLogs/signIns", timeField: "createdDateTime", top: 1000, limit: "graphReports" },
    riskDetections: {
      path: "/identityProtection/riskDetections",
      timeField: "detectedDateTime",
      top: 500,
      limit: "identityProtection",
    },
  };

/** Reads Entra logs through the Graph SDK, page by page, under the tenant's documented rate limits. */
export class GraphLogs {
  private readonly client: Client;

  constructor(
    credential: TokenCredential,
    graphUrl: string,
    private readonly tenantId: string,
    private readonly limiter: RateLimiter,
  ) {
    const host = new URL(graphUrl).hostname;
    this.client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, {
        scopes: ["https://graph.microsoft.com/.default"],
      }),
      baseUrl: graphUrl,
      defaultVersion: "v1.0",
      // The SDK attaches the token only to Graph's own hosts, or to these.
      ...(host === "graph.microsoft.com" ? {} : { customHosts: new Set([host]) }),
    });
  }

  /** Every record whose time lies in [from, to], all pages. */
  async *list(log: GraphLog, from: Date, to: Date): AsyncGenerator<Record<string, unknown>[]> {
    const spec = PATHS[log];
    const limit = LIMITS[spec.limit];
    await this.limiter.take(`${spec.limit}:${this.tenantId}`, limit);
    let page = (await this.client
      .api(spec.path)
      .filter(`${spec.timeField} ge ${from.toISOString()} and ${spec.timeField} le ${to.toISOString()}`)
      .top(spec.top)
      .get()) as { value?: Record<string, unknown>[]; "@odata.nextLink"?: string };
    for (;;) {
      yield page.value ?? [];
      const next = page["@odata.nextLink"];
      if (next === undefined) return;
      await this.limiter.take(`${spec.limit}:${this.tenantId}`, limit);
      page = (await this.client.api(next).get()) as typeof page;
    }
  }
}

import type { TokenCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { makeGraphClient } from "./graph-client.js";
import type { RateLimiter } from "./rate-limiter.js";

export type GraphLog = "directoryAudits" | "signIns" | "riskDetections" | "alerts";

const PATHS: Record<GraphLog, { path: string; timeField: string; top: number }> = {
  directoryAudits: { path: "/auditLogs/directoryAudits", timeField: "activityDateTime", top: 1000 },
  signIns: { path: "/auditLogs/signIns", timeField: "createdDateTime", top: 1000 },
  riskDetections: { path: "/identityProtection/riskDetections", timeField: "detectedDateTime", top: 500 },
  // Read by when each alert last changed: a new alert, and each later version of it (a reclassification,
  // more evidence), comes in the window it was written in. Learn's own example pages by 100.
  alerts: { path: "/security/alerts_v2", timeField: "lastUpdateDateTime", top: 100 },
};

/** Reads Entra logs through the Graph SDK, page by page; every request waits for the tenant's rate limit. */
export class GraphLogs {
  private readonly client: Client;

  constructor(credential: TokenCredential, graphUrl: string, tenantId: string, limiter: RateLimiter) {
    this.client = makeGraphClient(credential, graphUrl, tenantId, limiter);
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

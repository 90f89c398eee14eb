import { MonitorClient } from "@azure/arm-monitor";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import type { RateLimiter } from "./rate-limiter.js";

/** Reads subscriptions and Activity Logs through the Azure SDK, under ARM's read limits. */
export class ArmActivity {
  private readonly options: ConstructorParameters<typeof MonitorClient>[2] & object;

  constructor(
    private readonly credential: TokenCredential,
    armUrl: string,
    tenantId: string,
    limiter: RateLimiter,
  ) {
    this.options = armClientOptions(armUrl, tenantId, limiter);
  }

  async subscriptions(): Promise<{ subscriptionId: string; displayName: string; state: string }[]> {
    const client = new SubscriptionClient(this.credential, this.options);
    const found: { subscriptionId: string; displayName: string; state: string }[] = [];
    for await (const s of client.subscriptions.list()) {
      if (s.subscriptionId !== undefined) {
        found.push({
          subscriptionId: s.subscriptionId.toLowerCase(),
          displayName: s.displayName ?? "",
          state: s.state ?? "",
        });
      }
    }
    return found;
  }

  /** Activity Log events of one subscription, or the tenant-level log when `subscriptionId` is null, page by page. */
  async *events(
    subscriptionId: string | null,
    from: Date,
    to: Date,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const filter = `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${to.toISOString()}'`;
    const client = new MonitorClient(
      this.credential,
      subscriptionId ?? "00000000-0000-0000-0000-000000000000",
      this.options,
    );
    const pages =
      subscriptionId === null
        ? client.tenantActivityLogs.list({ filter }).byPage()
        : client.activityLogs.list(filter).byPage();
    for await (const page of pages) yield page as unknown as Record<string, unknown>[];
  }
}

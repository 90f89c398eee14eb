import { MonitorClient } from "@azure/arm-monitor";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/identity";
import { LIMITS, type RateLimiter } from "./rate-limiter.js";

/** Reads subscriptions and Activity Logs through the Azure SDK, under ARM's read limits. */
export class ArmActivity {
  private readonly options: { endpoint: string; credentialScopes: string };

  constructor(
    private readonly credential: TokenCredential,
    armUrl: string,
    private readonly tenantId: string,
    private readonly limiter: RateLimiter,
  ) {
    // `$host` alone is not enough: the SDK also needs the scope to ask tokens for.
    this.options = { endpoint: armUrl, credentialScopes: "https://management.azure.com/.default" };
  }

  async subscriptions(): Promise<{ subscriptionId: string; displayName: string; state: string }[]> {
    const client = new SubscriptionClient(this.credential, this.options);
    const found: { subscriptionId: string; displayName: string; state: string }[] = [];
    await this.limiter.take(`arm:${this.tenantId}`, LIMITS.armReads);
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
    for (;;) {
      await this.limiter.take(`arm:${this.tenantId}:${subscriptionId ?? "tenant"}`, LIMITS.armReads);
      const next = await pages.next();
      if (next.done === true) return;
      yield next.value as unknown as Record<string, unknown>[];
    }
  }
}

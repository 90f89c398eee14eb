import { MonitorClient } from "@azure/arm-monitor";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import type { RateLimiter } from "./rate-limiter.js";

/** Reads subscriptions and Activity Logs through the Azure SDK, under ARM's read limits. */
export class ArmActivity {
  private readonly options: ConstructorParameters<typeof MonitorClient>[2] & object;

  constructor(
    private readonly credential: TokenCredential,
    private readonly armUrl: string,
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

  /**
   * Activity Log events of one subscription, or the tenant-level log when `subscriptionId` is null, page by
   * page, as Microsoft sends them. The request goes through the SDK client's pipeline (token, retries,
   * the rate limiter), but the pages are read as JSON rather than through the SDK's model deserializer:
   * that took a sixth of a worker's time at thousands of events a second (docs/performance.md, soak), and
   * the normalisers read Microsoft's wire shape anyway, as they do for exported logs.
   */
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
    const scope = subscriptionId === null ? "" : `/subscriptions/${encodeURIComponent(subscriptionId)}`;
    const first = new URL(`${scope}/providers/Microsoft.Insights/eventtypes/management/values`, this.armUrl);
    first.searchParams.set("api-version", ACTIVITY_LOG_API_VERSION);
    first.searchParams.set("$filter", filter);
    let next: string | undefined = first.toString();
    while (next !== undefined) {
      const response = await client.sendRequest(createPipelineRequest({ url: next, method: "GET" }));
      const body = parseBody(
        response.status,
        // The client's deserialization policy has parsed a JSON answer already: parsing it again cost
        // as much again (docs/reliability.md, Load).
        (response as { parsedBody?: unknown }).parsedBody,
        response.bodyAsText ?? undefined,
        response.headers.get("x-ms-request-id") ?? undefined,
      );
      yield body.value ?? [];
      next = typeof body.nextLink === "string" && body.nextLink !== "" ? body.nextLink : undefined;
    }
  }
}

/** The Activity Log API's version, as @azure/arm-monitor's `activityLogs.list` sends it. */
const ACTIVITY_LOG_API_VERSION = "2015-04-01";

interface ActivityPage {
  value?: Record<string, unknown>[];
  nextLink?: string;
}

/** A page's JSON, or ARM's error as a RestError (status, code, request id) the callers classify as any other. */
function parseBody(
  status: number,
  parsed: unknown,
  text: string | undefined,
  requestId: string | undefined,
): ActivityPage {
  let body: unknown = parsed;
  try {
    if (body === undefined) body = text === undefined || text === "" ? {} : JSON.parse(text);
  } catch {
    throw new RestError(`Activity Log answered ${status} with a body that is not JSON`, {
      statusCode: status,
      code: "InvalidResponseBody",
    });
  }
  if (status >= 200 && status < 300) return body as ActivityPage;
  const error = (body as { error?: { code?: string; message?: string } }).error;
  const failure = new RestError(error?.message ?? `Activity Log answered ${status}`, {
    statusCode: status,
    code: error?.code ?? `HTTP${status}`,
  });
  if (requestId !== undefined) (failure as RestError & { requestId?: string }).requestId = requestId;
  throw failure;
}

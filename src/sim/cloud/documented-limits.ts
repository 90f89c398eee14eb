/**
 * The rate limits Microsoft Graph documents for the APIs Warden polls, refused as Graph refuses them
 * ("Microsoft Graph service-specific throttling limits", https://learn.microsoft.com/graph/throttling-limits):
 *
 * - Identity and access reports (audit logs, sign-ins): 5 requests per 10 seconds per app per tenant,
 *   answered 429 with Retry-After.
 * - Identity Protection and conditional access: 1 request per second per tenant, for all apps together,
 *   answered 429 *without* Retry-After (the same page; the Azure SDK does not retry such a 429, the Graph
 *   client backs off on its own).
 *
 * A request is counted where Microsoft counts it, at its arrival here, steps of a `$batch` included (they
 * reach the simulator as requests of their own). A refused request does not count against the window.
 * Without this, a client that sent twice the documented rate passed every test (issue 18).
 */

interface DocumentedLimit {
  name: string;
  applies(path: string): boolean;
  requests: number;
  windowMs: number;
  /** Per app and tenant (true) or per tenant for every app (false). */
  perApp: boolean;
  retryAfter: boolean;
}

const DOCUMENTED: readonly DocumentedLimit[] = [
  {
    // "Security detections and incidents service limits": any operation on alert, 150 a minute per app
    // and tenant.
    name: "security detections and incidents",
    applies: (path) => path.startsWith("/v1.0/security/alerts"),
    requests: 150,
    windowMs: 60_000,
    perApp: true,
    retryAfter: true,
  },
  {
    name: "identity and access reports",
    applies: (path) => path.startsWith("/v1.0/auditLogs/"),
    requests: 5,
    windowMs: 10_000,
    perApp: true,
    retryAfter: true,
  },
  {
    name: "identity protection and conditional access",
    applies: (path) => path.includes("/identityProtection/") || path.includes("/conditionalAccess/"),
    requests: 1,
    windowMs: 1_000,
    perApp: false,
    retryAfter: false,
  },
];

export interface LimitRefusal {
  limit: string;
  /** Seconds, when the limit's answer carries Retry-After. */
  retryAfterSeconds?: number;
}

export class DocumentedLimits {
  /** On unless a test turns it off to measure a client alone; every refusal is counted in `refused`. */
  enabled = true;
  /**
   * Defender advanced hunting returns at most this many rows a query, and says nothing of the rest
   * ("Advanced hunting API": results are limited to 100,000 rows). Tests lower it to prove a client reads
   * a full window in pieces without writing 100,000 records.
   */
  huntingRowCap = 100_000;
  readonly refused: { limit: string; path: string; at: number }[] = [];
  private readonly arrivals = new Map<string, number[]>();

  /** Counts the request against its limit and returns nothing, or the refusal when it is over it. */
  check(path: string, appId: string, now: number): LimitRefusal | undefined {
    if (!this.enabled) return undefined;
    const limit = DOCUMENTED.find((l) => l.applies(path));
    if (limit === undefined) return undefined;
    const key = limit.perApp ? `${limit.name}|${appId}` : limit.name;
    const recent = (this.arrivals.get(key) ?? []).filter((at) => at > now - limit.windowMs);
    if (recent.length >= limit.requests) {
      this.arrivals.set(key, recent);
      this.refused.push({ limit: limit.name, path, at: now });
      const oldest = recent[0] ?? now;
      return {
        limit: limit.name,
        ...(limit.retryAfter
          ? { retryAfterSeconds: Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1_000)) }
          : {}),
      };
    }
    recent.push(now);
    this.arrivals.set(key, recent);
    return undefined;
  }
}

/**
 * The rate limits Microsoft Graph documents for the APIs Warden polls, refused as Graph refuses them
 * ("Microsoft Graph service-specific throttling limits", https://learn.microsoft.com/graph/throttling-limits):
 *
 * - Identity and access reports (audit logs, sign-ins, the authentication methods reports such as
 *   `reports/authenticationMethods/userRegistrationDetails`, and `signInActivity`): 5 requests per 10
 *   seconds per app per tenant, answered 429 with Retry-After.
 * - `signInActivity` (a users read that selects it): 10 requests a minute per app per tenant, on top of
 *   the reports' limit (the same section's table: "GET signInActivity | 10 requests per minute").
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
  /** `query` is the raw query string (without "?"), for limits that depend on what is selected. */
  applies(path: string, query: string): boolean;
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
    applies: (path, query) =>
      path.startsWith("/v1.0/auditLogs/") ||
      path.startsWith("/v1.0/reports/") ||
      selectsSignInActivity(path, query),
    requests: 5,
    windowMs: 10_000,
    perApp: true,
    retryAfter: true,
  },
  {
    name: "signInActivity",
    applies: selectsSignInActivity,
    requests: 10,
    windowMs: 60_000,
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

/** A users read (list or one user) that selects `signInActivity`. */
function selectsSignInActivity(path: string, query: string): boolean {
  if (!/^\/v1\.0\/users(\/|$)/i.test(path)) return false;
  const select = new URLSearchParams(query).get("$select") ?? "";
  return select
    .toLowerCase()
    .split(",")
    .some((p) => p.trim() === "signinactivity");
}

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
  check(path: string, appId: string, now: number, query = ""): LimitRefusal | undefined {
    if (!this.enabled) return undefined;
    // A request counts against every limit it falls under, and is refused by the first one it is over.
    const limits = DOCUMENTED.filter((l) => l.applies(path, query));
    const windows = limits.map((limit) => {
      const key = limit.perApp ? `${limit.name}|${appId}` : limit.name;
      return { limit, key, recent: (this.arrivals.get(key) ?? []).filter((at) => at > now - limit.windowMs) };
    });
    for (const { limit, key, recent } of windows) {
      if (recent.length < limit.requests) continue;
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
    for (const { key, recent } of windows) this.arrivals.set(key, [...recent, now]);
    return undefined;
  }
}

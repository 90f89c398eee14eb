import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import { countCloudAnswer } from "../metrics/process-metrics.js";
import { deadlineForAttempt, withDeadline } from "./deadline.js";
import { LIMITS, type RateLimit, type RateLimiter, type Release } from "./rate-limiter.js";

/**
 * The rate limiter placed inside each SDK's pipeline, after its retry logic: every HTTP attempt, first
 * try or retry, waits for a slot, and holds it until its answer (or failure) is in. The SDKs keep their own retry behaviour (Retry-After honoured, three
 * tries); a storm of 429s cannot push the request rate past the documented limits.
 */

/** Which documented limits a Graph request falls under: it waits for a slot of each. */
export function graphLimitsFor(url: string): { name: string; limit: RateLimit }[] {
  const parsed = new URL(url, "https://graph.invalid");
  const path = parsed.pathname;
  // "Identity and access reports": the logs, the authentication methods reports, and signInActivity,
  // which has a limit of its own besides (10 a minute; Microsoft Graph service-specific throttling limits).
  const select = (parsed.searchParams.get("$select") ?? "").toLowerCase().split(",");
  if (/\/users(\/|$)/i.test(path) && select.some((p) => p.trim() === "signinactivity"))
    return [
      { name: "graphReports", limit: LIMITS.graphReports },
      { name: "signInActivity", limit: LIMITS.signInActivity },
    ];
  if (path.includes("/auditLogs/") || path.includes("/reports/"))
    return [{ name: "graphReports", limit: LIMITS.graphReports }];
  if (path.includes("/security/runHuntingQuery")) return [{ name: "hunting", limit: LIMITS.hunting }];
  if (path.includes("/security/alerts")) return [{ name: "securityAlerts", limit: LIMITS.securityAlerts }];
  if (path.includes("/identityProtection/") || path.includes("/conditionalAccess/")) {
    return [{ name: "identityProtection", limit: LIMITS.identityProtection }];
  }
  return [{ name: "graphIdentity", limit: LIMITS.graphIdentity }];
}

/** Graph client middleware: sits between the RetryHandler and the HTTP message handler. */
export class LimitedGraphTransport implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly tenantId: string,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    if (this.next === undefined) throw new Error("LimitedGraphTransport must not be the last middleware");
    // In one order everywhere (by name), so two requests never each hold what the other waits for.
    const releases: Release[] = [];
    for (const { name, limit } of graphLimitsFor(url).sort((a, b) => a.name.localeCompare(b.name)))
      releases.push(await this.limiter.take(`${name}:${this.tenantId}`, limit));
    const release = () => {
      for (const r of releases) r();
    };
    // A fresh deadline for each attempt (the RetryHandler sends the same context again), covering the
    // body's read too, on a timer that never keeps the process alive (deadline.ts).
    context.options = { ...context.options, signal: withDeadline(undefined, this.limiter.requestTimeoutMs) };
    try {
      await this.next.execute(context);
    } finally {
      release();
      countCloudAnswer("graph", context.response?.status ?? 0);
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Azure SDK pipeline policy, added "perRetry" so it runs for every attempt. */
export function limitedArmPolicy(limiter: RateLimiter, tenantId: string): PipelinePolicy {
  return {
    name: "wardenRateLimit",
    async sendRequest(request, next) {
      const subscription =
        /\/subscriptions\/([0-9a-f-]{36})/i.exec(request.url)?.[1]?.toLowerCase() ?? "tenant";
      // ARM's buckets are per principal and subscription, reads apart from writes.
      const write = request.method !== "GET" && request.method !== "HEAD";
      const release = await limiter.take(
        `arm${write ? "-write" : ""}:${tenantId}:${subscription}`,
        write ? LIMITS.armWrites : LIMITS.armReads,
      );
      try {
        // Each attempt's own deadline, on a timer that never keeps the process alive (deadline.ts).
        deadlineForAttempt(request, limiter.requestTimeoutMs);
        const response = await next(request);
        countCloudAnswer("arm", response.status);
        return response;
      } catch (error) {
        countCloudAnswer("arm", (error as { statusCode?: number }).statusCode ?? 0);
        throw error;
      } finally {
        release();
      }
    },
  };
}

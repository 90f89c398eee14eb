/**
 * Keeps calls under Microsoft's documented per-tenant limits instead of discovering them through 429s:
 * a token bucket per key (for example "reports:{tenant}"). `take` waits for a token.
 */
export interface RateLimit {
  /** Requests allowed per window. */
  requests: number;
  windowMs: number;
}

/** Documented limits (see docs/architecture.md and Microsoft's throttling guidance). */
export const LIMITS = {
  /** Graph reports (audit logs, sign-ins): 5 requests per 10 s per app per tenant. */
  graphReports: { requests: 5, windowMs: 10_000 },
  /** Identity Protection and conditional access: 1 request per second per tenant. */
  identityProtection: { requests: 1, windowMs: 1_000 },
  /** ARM reads: 250 per principal and subscription, refilled 25 a second; kept well under. */
  armReads: { requests: 20, windowMs: 1_000 },
} as const satisfies Record<string, RateLimit>;

interface Bucket {
  tokens: number;
  updatedAt: number;
  queue: Promise<void>;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Resolves when a request under `key` may be sent. Calls on one key are served in order. */
  take(key: string, limit: RateLimit): Promise<void> {
    const bucket = this.buckets.get(key) ?? {
      tokens: limit.requests,
      updatedAt: this.now(),
      queue: Promise.resolve(),
    };
    this.buckets.set(key, bucket);
    const turn = bucket.queue.then(async () => {
      for (;;) {
        const now = this.now();
        const refill = ((now - bucket.updatedAt) / limit.windowMs) * limit.requests;
        bucket.tokens = Math.min(limit.requests, bucket.tokens + refill);
        bucket.updatedAt = now;
        if (bucket.tokens >= 1) {
          bucket.tokens -= 1;
          return;
        }
        await new Promise((r) =>
          setTimeout(r, Math.ceil(((1 - bucket.tokens) / limit.requests) * limit.windowMs)),
        );
      }
    });
    bucket.queue = turn.catch(() => undefined);
    return turn;
  }
}

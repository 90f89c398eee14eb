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
  /** Graph identity reads: 3,500+ resource units per 10 s per app and tenant; a GET costs about 2. */
  graphIdentity: { requests: 150, windowMs: 1_000 },
  /** Defender advanced hunting: 45 calls a minute per tenant. */
  hunting: { requests: 45, windowMs: 60_000 },
  /**
   * Teams, per conversation: 7 sends a second and 60 per 30 seconds. Kept at 6 and 50: the Bot Framework
   * client retries a 429 or a 502 on its own, after our limiter, and a retried send arriving late
   * squeezes the gap to the next ones (a burst of 200 through 429s and 502s measured 60 sends in 29.98 s
   * at 60 per 30 s)...
   */
  teamsPerSecond: { requests: 6, windowMs: 1_000 },
  /** ...and 50 per 30 seconds (Teams: 60; and 1,800 an hour, which these two keep under). */
  teamsPer30Seconds: { requests: 50, windowMs: 30_000 },
  /** ARM reads: 250 per principal and subscription, refilled 25 a second; kept well under. */
  armReads: { requests: 20, windowMs: 1_000 },
  /** ARM writes and deletes: 200 per principal and subscription, refilled 10 a second; kept under. */
  armWrites: { requests: 8, windowMs: 1_000 },
} as const satisfies Record<string, RateLimit>;

/**
 * A sliding-window log per key: at most `requests` sends in any `windowMs`, plus headroom. A token bucket
 * of the same size would let a sixth report request through two seconds after a burst of five, and
 * Microsoft counts per window, at its end: a request held up in transit (a TLS handshake on a busy host
 * took over 100 ms in our tests) arrives later than it left, so sends are spaced by the window plus 5%.
 */
const HEADROOM = 1.05;

/**
 * The default longest one HTTP attempt may take. Neither SDK sets one: a connection that never answers
 * would hold its job (and the source it polls) forever. Graph's own gateway gives up after about 100 s.
 */
export const REQUEST_TIMEOUT_MS = 120_000;

export class RateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly now: () => number = Date.now,
    /**
     * The longest one HTTP attempt may take (WARDEN_REQUEST_TIMEOUT_SECONDS). It travels with the limiter
     * because the limiter is what every attempt, in every SDK pipeline, already passes through.
     */
    readonly requestTimeoutMs: number = REQUEST_TIMEOUT_MS,
  ) {}

  /** Resolves when a request under `key` may be sent. Calls on one key are served in order. */
  take(key: string, limit: RateLimit): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const log = this.sent.get(key) ?? [];
      this.sent.set(key, log);
      for (;;) {
        const now = this.now();
        const windowMs = limit.windowMs * HEADROOM;
        while (log.length > 0 && (log[0] as number) <= now - windowMs) log.shift();
        if (log.length < limit.requests) {
          log.push(now);
          return;
        }
        await new Promise((r) => setTimeout(r, (log[0] as number) + windowMs - now + 1));
      }
    });
    this.queues.set(
      key,
      turn.catch(() => undefined),
    );
    return turn;
  }
}

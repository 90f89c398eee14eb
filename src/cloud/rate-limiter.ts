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
  /**
   * Graph's identity and access reports (audit logs, sign-ins, authentication methods reports,
   * signInActivity): 5 requests per 10 s per app per tenant.
   */
  graphReports: { requests: 5, windowMs: 10_000 },
  /** A users read selecting signInActivity: 10 a minute per app per tenant, on top of the reports' limit. */
  signInActivity: { requests: 10, windowMs: 60_000 },
  /** Identity Protection and conditional access: 1 request per second per tenant. */
  identityProtection: { requests: 1, windowMs: 1_000 },
  /** Graph identity reads: 3,500+ resource units per 10 s per app and tenant; a GET costs about 2. */
  graphIdentity: { requests: 150, windowMs: 1_000 },
  /** Graph's security alerts: 150 requests a minute per app and tenant ("Security detections and incidents"). */
  securityAlerts: { requests: 150, windowMs: 60_000 },
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
 * Spacing on top of each window: Microsoft's clock and ours, and its window's edges, are not the same.
 */
export const HEADROOM = 1.05;

/**
 * Paces requests by when they *ended*, not only when they left, so that the limit holds where Microsoft
 * counts it, at arrival. A slot is held from `take` until the caller releases it (the answer came, or the
 * attempt failed or timed out); only then does it start its window. A request that leaves the process
 * late (a busy event loop, a slow TLS handshake) arrives before its answer does, and the next request
 * under the key leaves only a window after that answer: so no `requests + 1` of them can arrive within
 * one window, however late each one left. Pacing by departure alone (spaced by the window plus 5 %) let
 * two Identity Protection requests arrive within a second on a loaded machine (issue 15).
 */
export const REQUEST_TIMEOUT_MS = 120_000;

/** Ends a request's hold on its slot; its window starts now. Calling it again does nothing. */
export type Release = () => void;

interface Slot {
  /** When the request left, while it is open; when it ended, once released. */
  at: number;
  open: boolean;
}

export class RateLimiter {
  private readonly slots = new Map<string, Slot[]>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Wakes the one caller (calls on a key are served in order) waiting on a key for a slot to end. */
  private readonly wakers = new Map<string, () => void>();

  constructor(
    private readonly now: () => number = Date.now,
    /**
     * The longest one HTTP attempt may take (WARDEN_REQUEST_TIMEOUT_SECONDS). It travels with the limiter
     * because the limiter is what every attempt, in every SDK pipeline, already passes through. A slot
     * never released (a caller's bug) counts as ended this long after it was taken, so it cannot block
     * its key for ever.
     */
    readonly requestTimeoutMs: number = REQUEST_TIMEOUT_MS,
  ) {}

  /**
   * Resolves when a request under `key` may be sent, with the function to call once its attempt has
   * ended (in a `finally`). Calls on one key are served in order.
   */
  take(key: string, limit: RateLimit): Promise<Release> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.waitForSlot(key, limit));
    this.queues.set(
      key,
      turn.catch(() => undefined),
    );
    return turn;
  }

  /** Runs `send` in a slot under `key`, released when it settles. */
  async within<T>(key: string, limit: RateLimit, send: () => Promise<T>): Promise<T> {
    const release = await this.take(key, limit);
    try {
      return await send();
    } finally {
      release();
    }
  }

  /** Waits for a free slot under `key` (callers on one key come here one at a time, in order). */
  protected async waitForSlot(key: string, limit: RateLimit): Promise<Release> {
    const slots = this.slots.get(key) ?? [];
    this.slots.set(key, slots);
    const windowMs = limit.windowMs * HEADROOM;
    for (;;) {
      const now = this.now();
      // A slot left open past the longest attempt ended then, at the latest.
      for (const slot of slots) {
        if (slot.open && slot.at + this.requestTimeoutMs <= now) {
          slot.open = false;
          slot.at += this.requestTimeoutMs;
        }
      }
      for (let i = slots.length - 1; i >= 0; i--) {
        const slot = slots[i] as Slot;
        if (!slot.open && slot.at <= now - windowMs) slots.splice(i, 1);
      }
      if (slots.length < limit.requests) {
        const slot: Slot = { at: now, open: true };
        slots.push(slot);
        return () => {
          if (!slot.open) return;
          slot.open = false;
          slot.at = this.now();
          this.wakers.get(key)?.();
        };
      }
      // Wait for the first ended slot to leave the window, or an open one to end, or to time out.
      const leaves = slots.map((s) => (s.open ? s.at + this.requestTimeoutMs : s.at + windowMs));
      const delayMs = Math.max(1, Math.min(...leaves) - now + 1);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(key);
          resolve();
        };
        const timer = setTimeout(wake, delayMs);
        this.wakers.set(key, wake);
      });
    }
  }
}

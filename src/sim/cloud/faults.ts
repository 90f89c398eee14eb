/**
 * Faults the simulated cloud can be told to show, and the requests it counted. Throttling follows
 * Microsoft's documented behaviour: Graph reports and ARM send Retry-After; Identity Protection and
 * conditional access answer 429 without it.
 */
export interface FaultPlan {
  /** Fraction (0..1) of requests refused with 429 until `until` (epoch ms). */
  throttle?: { fraction: number; until: number; retryAfterSeconds?: number };
  /** Fraction of requests answered 503 until `until`. */
  unavailable?: { fraction: number; until: number };
  /** Added to every response, ms. */
  latencyMs?: number;
}

export interface RequestCounts {
  total: number;
  byEndpoint: Record<string, number>;
  throttled: number;
  failed: number;
}

export class FaultInjector {
  plan: FaultPlan = {};
  readonly counts: RequestCounts = { total: 0, byEndpoint: {}, throttled: 0, failed: 0 };
  /** Every request with its time, for checking a client keeps within a rate. */
  readonly log: { endpoint: string; path: string; at: number; status: number }[] = [];
  private turn = 0;

  /** Counts a request and says what fault, if any, to answer it with. */
  decide(
    endpoint: string,
    now: number,
    path = endpoint,
  ): { status: 429; retryAfter?: number } | { status: 503 } | undefined {
    this.counts.total += 1;
    this.counts.byEndpoint[endpoint] = (this.counts.byEndpoint[endpoint] ?? 0) + 1;
    this.turn += 1;
    const { throttle, unavailable } = this.plan;
    // Deterministic spread instead of randomness: exactly `fraction` of requests, evenly.
    const hit = (fraction: number) =>
      Math.floor(this.turn * fraction) !== Math.floor((this.turn - 1) * fraction);
    let decision: { status: 429; retryAfter?: number } | { status: 503 } | undefined;
    if (throttle !== undefined && now < throttle.until && hit(throttle.fraction)) {
      this.counts.throttled += 1;
      decision = {
        status: 429,
        ...(throttle.retryAfterSeconds === undefined ? {} : { retryAfter: throttle.retryAfterSeconds }),
      };
    } else if (unavailable !== undefined && now < unavailable.until && hit(unavailable.fraction)) {
      this.counts.failed += 1;
      decision = { status: 503 };
    }
    this.log.push({ endpoint, path, at: now, status: decision?.status ?? 200 });
    return decision;
  }
}

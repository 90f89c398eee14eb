/**
 * Faults the simulated cloud can be told to show, and the requests it counted. Throttling follows
 * Microsoft's documented behaviour: Graph reports and ARM send Retry-After; Identity Protection and
 * conditional access answer 429 without it.
 */
export interface FaultPlan {
  /** Fraction (0..1) of requests refused with 429 until `until` (epoch ms). */
  throttle?: { fraction: number; until: number; retryAfterSeconds?: number };
  /** Fraction of requests answered 503 (or 500, when `status` says so) until `until`. */
  unavailable?: { fraction: number; until: number; status?: 500 | 503 };
  /** Fraction of requests whose connection is cut without an answer until `until`. */
  drop?: { fraction: number; until: number };
  /** Fraction of requests never answered until `until`: the connection stays open until the client gives up. */
  hang?: { fraction: number; until: number };
  /** Added to every response, ms. */
  latencyMs?: number;
}

export type FaultDecision =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 503 }
  | { status: "drop" }
  | { status: "hang" };

export interface RequestCounts {
  total: number;
  byEndpoint: Record<string, number>;
  throttled: number;
  /** 500s, 503s, dropped connections and requests never answered. */
  failed: number;
}

export class FaultInjector {
  plan: FaultPlan = {};
  readonly counts: RequestCounts = { total: 0, byEndpoint: {}, throttled: 0, failed: 0 };
  /**
   * Every request with its time and answer (0: connection dropped, -1: never answered), for checking a
   * client keeps within a rate.
   */
  readonly log: { endpoint: string; path: string; at: number; status: number; batchStep?: boolean }[] = [];
  /** One counter per fault: each spreads its fraction over the requests the faults before it let through. */
  private readonly turns = { throttle: 0, unavailable: 0, drop: 0, hang: 0 };

  /** Counts a request and says what fault, if any, to answer it with. */
  decide(endpoint: string, now: number, path = endpoint, batchStep = false): FaultDecision | undefined {
    this.counts.total += 1;
    this.counts.byEndpoint[endpoint] = (this.counts.byEndpoint[endpoint] ?? 0) + 1;
    const { throttle, unavailable, drop, hang } = this.plan;
    // Deterministic spread instead of randomness: exactly `fraction` of the requests a fault sees, evenly,
    // starting with the first (so a rare fault still happens when a slow client sends few requests: a
    // loaded run of the outage test sent fewer than the 34 that a 3% hang needed to happen once).
    const hit = (fault: keyof typeof this.turns, fraction: number) => {
      this.turns[fault] += 1;
      const turn = this.turns[fault];
      return Math.ceil(turn * fraction) !== Math.ceil((turn - 1) * fraction);
    };
    let decision: FaultDecision | undefined;
    if (throttle !== undefined && now < throttle.until && hit("throttle", throttle.fraction)) {
      this.counts.throttled += 1;
      decision = {
        status: 429,
        ...(throttle.retryAfterSeconds === undefined ? {} : { retryAfter: throttle.retryAfterSeconds }),
      };
    } else if (
      unavailable !== undefined &&
      now < unavailable.until &&
      hit("unavailable", unavailable.fraction)
    ) {
      this.counts.failed += 1;
      decision = { status: unavailable.status ?? 503 };
    } else if (drop !== undefined && now < drop.until && hit("drop", drop.fraction)) {
      this.counts.failed += 1;
      decision = { status: "drop" };
    } else if (hang !== undefined && now < hang.until && hit("hang", hang.fraction)) {
      this.counts.failed += 1;
      decision = { status: "hang" };
    }
    const status =
      decision === undefined
        ? 200
        : decision.status === "drop"
          ? 0
          : decision.status === "hang"
            ? -1
            : decision.status;
    this.log.push({ endpoint, path, at: now, status, ...(batchStep ? { batchStep } : {}) });
    return decision;
  }
}

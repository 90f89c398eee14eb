import { randomUUID } from "node:crypto";
import { HEADROOM, type RateLimit, RateLimiter, type Release } from "./rate-limiter.js";
import { type RedisClient, type RedisTarget, redisClient } from "./redis-client.js";

/**
 * Takes a slot if one is free, counting every process's slots under the key at Redis's own clock (hosts'
 * clocks differ): an open slot whose holder has not renewed it within the lease counts as ended then (the
 * process died holding it); ended slots leave after the window. Answers -1 when the slot was taken, else
 * how many ms until one may free up.
 * KEYS: open slots (score: when taken or last renewed), ended slots (score: when ended). ARGV: requests,
 * window ms, lease ms, slot id.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local requests, window, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- Run twice (a reply lost, the command sent again): the slot is already this caller's.
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return -1 end
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - longest, 'WITHSCORES')
for i = 1, #stale, 2 do
  redis.call('ZREM', KEYS[1], stale[i])
  redis.call('ZADD', KEYS[2], tonumber(stale[i + 1]) + longest, stale[i])
end
if #stale > 0 then redis.call('PEXPIRE', KEYS[2], longest + window) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) < requests then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], longest + window)
  redis.call('PEXPIRE', KEYS[2], longest + window)
  return -1
end
local wake = now + longest
local ended = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #ended > 0 then wake = math.min(wake, tonumber(ended[2]) + window) end
local open = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #open > 0 then wake = math.min(wake, tonumber(open[2]) + longest) end
return math.max(1, wake - now + 1)
`;

/**
 * Renews a slot its holder still holds (its request is in flight): a live process keeps its slot for as
 * long as the request takes. KEYS: open slots. ARGV: slot id, ms to keep the set.
 */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
`;

/**
 * How long a slot stays its holder's without renewal. A worker killed in the middle of a request held its
 * slot until the request timeout (two minutes): with Identity Protection's one request a second, that was
 * two minutes without conditional access containment for every other process. Renewed every quarter of it.
 */
export const DEFAULT_LEASE_MS = 15_000;

/** Ends a slot: its window starts now, at Redis's clock. A slot already ended (or expired) is left. */
const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
end
return 0
`;

/** How often a waiting caller asks again while a slot another process holds may end at any moment. */
const POLL_MS = 100;

/**
 * The rate limiter every Warden process shares through Redis (issue 18, point 7): Microsoft counts the
 * report API per app and tenant, and Identity Protection and conditional access per tenant for all apps,
 * so N workers each pacing itself alone sent N times the rate. The same rule as the in-process limiter
 * (a slot is held from `take` until the attempt ends, and its window starts then), kept in two sorted sets
 * per key under the queue's prefix. Calls on one key within this process are still served in order; across
 * processes, whoever asks when a slot is free takes it.
 */
export class RedisRateLimiter extends RateLimiter {
  private readonly redis: RedisClient;
  /** Releases Redis did not take (it was unreachable): sent again once it is back. */
  private readonly unsent = new Set<() => Promise<unknown>>();
  private pacingAlone = false;
  private closed = false;

  constructor(
    /** A URL (one server), or what refuseEvictingRedis found at that URL (a cluster or not). */
    redis: string | RedisTarget,
    private readonly prefix: string,
    requestTimeoutMs?: number,
    /** Told when this process starts and stops pacing itself alone (Redis unreachable). */
    private readonly onAlone: (alone: boolean, why: string) => void = () => undefined,
    /** How long a slot stays its holder's without renewal (a shorter one for tests). */
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    super(Date.now, requestTimeoutMs);
    this.redis = redisClient(typeof redis === "string" ? { url: redis, cluster: false } : redis, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      // A half-open connection must not hold every caller of a key: two seconds, then pace alone.
      commandTimeout: 2_000,
      connectTimeout: 2_000,
    });
    this.redis.on("error", () => undefined); // reported by the calls that fail
    this.redis.on("ready", () => {
      for (const send of [...this.unsent]) {
        this.unsent.delete(send);
        send().catch(() => undefined);
      }
    });
  }

  /** The base class's `take` keeps callers of one key in order; the slot itself is taken in Redis. */
  protected override async waitForSlot(key: string, limit: RateLimit): Promise<Release> {
    // One hash tag per key: both sets live on one node should the Redis be a cluster.
    const keys = [`${this.prefix}:limit:{${key}}:open`, `${this.prefix}:limit:{${key}}:ended`];
    const window = Math.ceil(limit.windowMs * HEADROOM);
    const slot = randomUUID();
    let renewing: NodeJS.Timeout | undefined;
    const release = () => {
      clearInterval(renewing);
      return this.redis.eval(RELEASE, 2, ...keys, slot, this.leaseMs + window);
    };
    for (;;) {
      let answer: number;
      try {
        if (this.closed) throw new Error("the limiter is closed");
        // Commands sent while connecting are refused (no offline queue): wait for the connection first.
        if (this.redis.status !== "ready") await this.ready();
        answer = Number(await this.redis.eval(TAKE, 2, ...keys, limit.requests, window, this.leaseMs, slot));
        this.alone(false, "Redis answers again");
      } catch (error) {
        // Redis unreachable (restarting), or refusing: this process paces itself alone meanwhile rather
        // than failing a containment action on the limiter's account, and says so. A take that ran
        // without its answer reaching here is given back.
        this.alone(true, String((error as Error).message ?? error));
        this.later(release);
        return super.waitForSlot(key, limit);
      }
      if (answer < 0) {
        // Held while the request is in flight: renewed until released (a renewal lost is the next one's),
        // and never past the longest a request may take, so a release that never comes frees it anyway.
        const takenAt = Date.now();
        renewing = setInterval(
          () => {
            if (Date.now() - takenAt > this.requestTimeoutMs) {
              clearInterval(renewing);
              return;
            }
            this.redis.eval(RENEW, 1, keys[0] as string, slot, this.leaseMs + window).catch(() => undefined);
          },
          Math.max(100, Math.floor(this.leaseMs / 4)),
        );
        renewing.unref();
        let released = false;
        return () => {
          if (released) return;
          released = true;
          release().catch(() => this.later(release));
        };
      }
      await new Promise((r) => setTimeout(r, Math.min(answer, POLL_MS)));
    }
  }

  private ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off("ready", onReady);
        reject(new Error("Redis is not ready"));
      }, 2_000);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once("ready", onReady);
    });
  }

  /** A release Redis could not take now: sent when it is back (else its slot ends at the longest attempt). */
  private later(send: () => Promise<unknown>): void {
    if (this.closed) return;
    if (this.redis.status === "ready") send().catch(() => this.unsent.add(send));
    else this.unsent.add(send);
  }

  private alone(alone: boolean, why: string): void {
    if (alone === this.pacingAlone) return;
    this.pacingAlone = alone;
    this.onAlone(alone, why);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

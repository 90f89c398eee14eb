import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { HEADROOM, type RateLimit, RateLimiter, type Release } from "./rate-limiter.js";

/**
 * Takes a slot if one is free, counting every process's slots under the key at Redis's own clock (hosts'
 * clocks differ): an open slot older than the longest attempt counts as ended then; ended slots leave
 * after the window. Answers -1 when the slot was taken, else how many ms until one may free up.
 * KEYS: open slots (score: when taken), ended slots (score: when ended). ARGV: requests, window ms,
 * longest attempt ms, slot id.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local requests, window, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - longest, 'WITHSCORES')
for i = 1, #stale, 2 do
  redis.call('ZREM', KEYS[1], stale[i])
  redis.call('ZADD', KEYS[2], tonumber(stale[i + 1]) + longest, stale[i])
end
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
  private readonly redis: Redis;
  private readonly order = new Map<string, Promise<unknown>>();

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    requestTimeoutMs?: number,
  ) {
    super(Date.now, requestTimeoutMs);
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on("error", () => undefined); // reported by the calls that fail
  }

  override take(key: string, limit: RateLimit): Promise<Release> {
    const previous = this.order.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.waitForSharedSlot(key, limit));
    this.order.set(
      key,
      turn.catch(() => undefined),
    );
    return turn;
  }

  private async waitForSharedSlot(key: string, limit: RateLimit): Promise<Release> {
    const keys = [`${this.prefix}:limit:${key}:open`, `${this.prefix}:limit:${key}:ended`];
    const window = Math.ceil(limit.windowMs * HEADROOM);
    const slot = randomUUID();
    for (;;) {
      let answer: number;
      try {
        answer = Number(
          await this.redis.eval(TAKE, 2, ...keys, limit.requests, window, this.requestTimeoutMs, slot),
        );
      } catch {
        // Redis unreachable (restarting): this process paces itself alone until it is back, rather than
        // failing a containment action on a limiter's account.
        return super.take(key, limit);
      }
      if (answer < 0) {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          // Lost (Redis down): the slot counts as ended at the longest attempt, as any slot left open.
          this.redis.eval(RELEASE, 2, ...keys, slot, this.requestTimeoutMs + window).catch(() => undefined);
        };
      }
      await new Promise((r) => setTimeout(r, Math.min(answer, POLL_MS)));
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

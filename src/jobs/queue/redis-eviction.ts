import { Redis } from "ioredis";
import { clusterEnabled, type RedisTarget } from "../../cloud/redis-client.js";
import { ConfigError } from "../../config/readers.js";
import type { Logger } from "../../log.js";

/**
 * BullMQ keeps every job, its dedupe key and its schedule in Redis, and says: "make sure that Redis is
 * configured with `maxmemory-policy=noeviction`" (BullMQ guide, "Going to production"). Under any other
 * policy a full Redis drops keys silently: a containment approved and never run, a poll never scheduled
 * again. Azure Cache for Redis defaults to `volatile-lru`, Azure Managed Redis too. So Warden refuses to
 * start on an evicting Redis, and says how to fix it.
 */

const FIX =
  "set it to noeviction: redis-server `CONFIG SET maxmemory-policy noeviction` (and in redis.conf); Azure Cache for Redis: Advanced settings > maxmemory-policy; Azure Managed Redis: eviction policy NoEviction";

/** The server's `maxmemory-policy`, from CONFIG GET, else INFO (managed services often refuse CONFIG). */
export async function evictionPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const answer = (await redis.call("CONFIG", "GET", "maxmemory-policy")) as string[];
    if (answer[1] !== undefined) return answer[1];
  } catch {
    // CONFIG is renamed or forbidden: INFO says the same.
  }
  const info = await redis.info("memory");
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * Refuses a Redis that evicts keys, and says whether it is a cluster. A Redis that cannot be reached now
 * is let be (the queue waits for it, as for a restart; taken for a single server), and one whose policy
 * cannot be read is reported: neither is known to evict.
 */
export async function refuseEvictingRedis(
  redisUrl: string,
  log: Logger,
  /** WARDEN_REDIS_CLUSTER: said outright, or asked of the server (`auto`). */
  clusterSetting: "auto" | "true" | "false" = "auto",
): Promise<RedisTarget> {
  const said = clusterSetting === "auto" ? undefined : clusterSetting === "true";
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 5_000,
  });
  redis.on("error", () => undefined);
  let policy: string | undefined;
  let cluster = false;
  try {
    await redis.connect();
    policy = await evictionPolicy(redis);
    cluster = said ?? (await clusterEnabled(redis));
  } catch (error) {
    log.warn(
      { err: (error as Error).message },
      said === undefined
        ? "could not reach Redis at start: taken for a single server, and its maxmemory-policy (it must be noeviction) unchecked; for a Redis Cluster set WARDEN_REDIS_CLUSTER=true"
        : "could not read Redis's maxmemory-policy at start: it must be noeviction",
    );
    return { url: redisUrl, cluster: said ?? false };
  } finally {
    redis.disconnect();
  }
  if (cluster) log.info("Redis is a cluster: Warden's keys share one hash slot");
  if (policy === undefined) {
    log.warn("Redis did not say its maxmemory-policy: it must be noeviction");
    return { url: redisUrl, cluster };
  }
  if (policy !== "noeviction")
    throw new ConfigError(
      `Redis evicts keys (maxmemory-policy ${policy}): the queue's jobs would be lost without a word when it fills; ${FIX}`,
    );
  return { url: redisUrl, cluster };
}

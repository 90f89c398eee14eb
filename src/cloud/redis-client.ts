import { Cluster, Redis, type RedisOptions } from "ioredis";

/**
 * Warden's connections to Redis: one server, or a Redis Cluster (Azure Managed Redis runs in cluster mode
 * by default). The same `REDIS_URL` names either; Warden asks the server which it is at start.
 */

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string;
  /** The server said `cluster_enabled:1`. */
  cluster: boolean;
}

export function redisClient(target: RedisTarget, options: RedisOptions): RedisClient {
  if (!target.cluster) return new Redis(target.url, options);
  const url = new URL(target.url);
  const tls = url.protocol === "rediss:";
  return new Cluster([{ host: url.hostname, port: Number(url.port === "" ? 6379 : url.port) }], {
    redisOptions: {
      ...options,
      ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
      ...(tls ? { tls: { servername: url.hostname } } : {}),
    },
    ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
    // BullMQ's blocking commands wait on one node; redirections after a failover are followed.
    maxRedirections: 16,
  });
}

/**
 * The key prefix with a hash tag, in a cluster: BullMQ's scripts read and write several keys of a queue
 * at once, and a cluster refuses a script whose keys lie in different hash slots (CROSSSLOT). With the
 * prefix in braces every key Warden writes falls in one slot. A prefix with a tag already is kept.
 */
export function keyPrefix(prefix: string, cluster: boolean): string {
  return !cluster || /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

/** Whether the server at `url` is a node of a Redis Cluster (INFO cluster: `cluster_enabled:1`). */
export async function clusterEnabled(redis: Redis): Promise<boolean> {
  return /^cluster_enabled:1/m.test(await redis.info("cluster"));
}

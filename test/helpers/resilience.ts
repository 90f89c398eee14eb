import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { administratorWatching } from "./administrator.js";
import { type PlayedSim, playingSim } from "./pipeline.js";
import { freshPostgres, REDIS_URL } from "./services.js";

/**
 * What the resilience tests share: cleanups that run whatever fails, a queue of their own on the shared
 * Redis, and a scenario day playing on the simulator with a fresh database, the set-up each of them
 * starts Warden's processes on.
 */

export type Cleanup = () => Promise<void>;

/** Cleanups run after the file's tests, last first, each whatever the others do. */
export function cleanupsAfterAll(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  return cleanups;
}

/** A BullMQ queue under a prefix of its own (files run side by side), emptied and closed at cleanup. */
export function privateQueue(
  cleanups: Cleanup[],
  redisUrl = REDIS_URL,
): { queue: BullMqQueue; prefix: string } {
  const prefix = `warden-test-${randomBytes(4).toString("hex")}`;
  const queue = new BullMqQueue(redisUrl, prefix);
  cleanups.push(async () => {
    await queue.obliterate(Object.values(QUEUE));
    await queue.close();
  });
  return { queue, prefix };
}

export interface PlayingWorld {
  played: PlayedSim;
  pg: Awaited<ReturnType<typeof freshPostgres>>;
  queue: BullMqQueue;
  /** The environment a `warden` process needs for all of it (add a test's own settings to it). */
  env: Record<string, string>;
}

/** A scenario day playing on the simulator, a fresh database and a private queue, all cleaned up after. */
export async function playingWorld(
  cleanups: Cleanup[],
  seed: number,
  durationMs: number,
  options?: Parameters<typeof playingSim>[2],
): Promise<PlayingWorld> {
  const played = await playingSim(seed, durationMs, options);
  cleanups.push(() => played.sim.close());
  const pg = await freshPostgres();
  cleanups.push(pg.drop);
  // A Global Administrator of the tenant in the channel: blocks transfers when a card asks (Microsoft
  // refuses that to apps), whatever else the test puts Warden through.
  const administrator = administratorWatching(
    pg.db,
    played.sim.directory,
    played.day.breakGlass[0]?.id ?? "",
  );
  cleanups.push(async () => administrator.stop());
  const { queue, prefix } = privateQueue(cleanups);
  const env = {
    ...played.env,
    DATABASE_URL: pg.url,
    REDIS_URL,
    WARDEN_QUEUE_PREFIX: prefix,
    LOG_LEVEL: "info",
  };
  return { played, pg, queue, env };
}

import { DelayedError, Queue, UnrecoverableError, Worker } from "bullmq";
import { keyPrefix, type RedisClient, type RedisTarget, redisClient } from "../../cloud/redis-client.js";
import {
  type AddOptions,
  backoffDelay,
  DEFAULT_JOB_LOCK_MS,
  DEFAULT_MAX_BACKOFF_MS,
  type JobData,
  type JobHandler,
  type JobQueue,
  PermanentError,
  type ProcessOptions,
  type QueueCounts,
  RetryLater,
} from "./job-queue.js";

/**
 * The production queue: BullMQ on Redis, shared by every `warden worker` and `warden web` process.
 * Workers use `maxRetriesPerRequest: null` (they must wait out a Redis restart, not fail); producers fail
 * fast so a request is answered instead of hanging.
 */
export class BullMqQueue implements JobQueue {
  readonly kind = "bullmq";
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  /** BullMQ leaves connections it was handed open: these are closed by close() below. */
  private readonly connections: RedisClient[] = [];
  private readonly producer: RedisClient;
  private readonly target: RedisTarget;
  /** Namespaces every key, so tests and several deployments can share one Redis (in braces in a cluster). */
  private readonly prefix: string;

  constructor(
    /** A URL (one server), or what refuseEvictingRedis found at that URL (a cluster or not). */
    redis: string | RedisTarget,
    prefix = "warden",
    /**
     * How long a worker's hold on a job lasts without renewal (WARDEN_JOB_LOCK_SECONDS). A worker that
     * dies holding a job (SIGKILL, a lost host) keeps it "active" until the lock lapses and the stalled
     * check, every third of it, hands it back: 15 s bounds that to about 20 s instead of BullMQ's minute.
     */
    private readonly lockMs = DEFAULT_JOB_LOCK_MS,
  ) {
    this.target = typeof redis === "string" ? { url: redis, cluster: false } : redis;
    this.prefix = keyPrefix(prefix, this.target.cluster);
    this.producer = redisClient(this.target, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    this.producer.on("error", () => undefined); // reported by the calls that fail
  }

  async add(queue: string, name: string, data: JobData, options: AddOptions = {}): Promise<void> {
    await this.queue(queue).add(name, data, {
      ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
      ...(options.dedupeKey === undefined
        ? {}
        : { deduplication: { id: options.dedupeKey, keepLastIfActive: true } }),
    });
  }

  async repeat(queue: string, key: string, name: string, data: JobData, everyMs: number): Promise<void> {
    await this.queue(queue).upsertJobScheduler(key, { every: everyMs }, { name, data });
  }

  async repeats(queue: string): Promise<string[]> {
    const schedulers = await this.queue(queue).getJobSchedulers();
    return schedulers.map((s) => s.key);
  }

  async unrepeat(queue: string, key: string): Promise<void> {
    await this.queue(queue).removeJobScheduler(key);
  }

  process(queue: string, handler: JobHandler, options: ProcessOptions = {}): void {
    const attempts = options.attempts ?? 5;
    const backoffMs = options.backoffMs ?? 1_000;
    const maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const connection = redisClient(this.target, { maxRetriesPerRequest: null });
    connection.on("error", () => undefined); // ioredis reconnects; BullMQ reports what fails
    this.connections.push(connection);
    const worker = new Worker(
      queue,
      async (job, token) => {
        const attempt = job.attemptsStarted;
        try {
          await handler({ id: job.id ?? "", name: job.name, data: job.data as JobData, attempt });
        } catch (error) {
          if (error instanceof PermanentError) throw new UnrecoverableError(error.message);
          if (attempt >= attempts) throw error;
          // Retries are scheduled here rather than by BullMQ's backoff, so RetryLater and errors share one path.
          const delay =
            error instanceof RetryLater ? error.delayMs : backoffDelay(attempt, backoffMs, maxBackoffMs);
          await job.moveToDelayed(Date.now() + delay, token);
          throw new DelayedError();
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: options.concurrency ?? 1,
        autorun: true,
        // Locks are renewed every half of their length; the stalled check runs every third of it.
        lockDuration: this.lockMs,
        stalledInterval: Math.round(this.lockMs / 3),
      },
    );
    worker.on("error", () => undefined);
    this.workers.push(worker);
  }

  async counts(queue: string): Promise<QueueCounts> {
    const counts = await this.queue(queue).getJobCounts(
      "waiting",
      "active",
      "delayed",
      "failed",
      "prioritized",
    );
    return {
      waiting: (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0),
      active: counts["active"] ?? 0,
      delayed: counts["delayed"] ?? 0,
      failed: counts["failed"] ?? 0,
    };
  }

  /** The BullMQ queues behind these names, for the queue dashboard. */
  bullQueues(names: readonly string[]): Queue[] {
    return names.map((name) => this.queue(name));
  }

  /** Removes every job and schedule of these queues: for tests only. */
  async obliterate(queues: readonly string[]): Promise<void> {
    for (const name of queues) await this.queue(name).obliterate({ force: true });
  }

  async close(): Promise<void> {
    // Workers first: they stop taking jobs and finish the ones running.
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const connection of this.connections) connection.disconnect();
    this.producer.disconnect();
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, {
        connection: this.producer,
        prefix: this.prefix,
        defaultJobOptions: {
          removeOnComplete: { count: 1_000 },
          removeOnFail: { count: 10_000 },
          attempts: 1,
        },
      });
      queue.on("error", () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }
}

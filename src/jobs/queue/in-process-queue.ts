import {
  type AddOptions,
  backoffDelay,
  DEFAULT_MAX_BACKOFF_MS,
  type Job,
  type JobData,
  type JobHandler,
  type JobQueue,
  PermanentError,
  type ProcessOptions,
  type QueueCounts,
  RetryLater,
} from "./job-queue.js";

interface Pending {
  job: Job;
  dedupeKey?: string;
  notBefore: number;
}

interface Lane {
  pending: Pending[];
  active: Set<Pending>;
  failed: number;
  handler?: JobHandler;
  options: Required<ProcessOptions>;
  timer?: NodeJS.Timeout;
}

/**
 * The queue for the embedded mode (no REDIS_URL): the same contract as BullMQ, in this process. Jobs
 * are lost if the process dies, which the store's reconciler covers: nothing only a job knows matters.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = "in-process";
  private readonly lanes = new Map<string, Lane>();
  private readonly schedules = new Map<string, { timer: NodeJS.Timeout; everyMs: number }>();
  private closing = false;
  private nextId = 1;

  async add(queue: string, name: string, data: JobData, options: AddOptions = {}): Promise<void> {
    if (this.closing) return;
    const lane = this.lane(queue);
    if (options.dedupeKey !== undefined) {
      const key = options.dedupeKey;
      if (lane.pending.some((p) => p.dedupeKey === key)) return;
    }
    lane.pending.push({
      job: { id: String(this.nextId++), name, data, attempt: 1 },
      ...(options.dedupeKey === undefined ? {} : { dedupeKey: options.dedupeKey }),
      notBefore: Date.now() + (options.delayMs ?? 0),
    });
    this.pump(queue);
  }

  async repeat(queue: string, key: string, name: string, data: JobData, everyMs: number): Promise<void> {
    const scheduleKey = `${queue}\u0000${key}`;
    const existing = this.schedules.get(scheduleKey);
    // Declared again unchanged (the schedules are declared again every minute): left running, as BullMQ
    // leaves a job scheduler, so a weekly job does not run at every declaration.
    if (existing?.everyMs === everyMs) return;
    if (existing !== undefined) clearInterval(existing.timer);
    const fire = () => void this.add(queue, name, data, { dedupeKey: `repeat:${key}` });
    fire();
    this.schedules.set(scheduleKey, { timer: setInterval(fire, everyMs), everyMs });
  }

  async repeats(queue: string): Promise<string[]> {
    const prefix = `${queue}\u0000`;
    return [...this.schedules.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  async unrepeat(queue: string, key: string): Promise<void> {
    const scheduleKey = `${queue}\u0000${key}`;
    clearInterval(this.schedules.get(scheduleKey)?.timer);
    this.schedules.delete(scheduleKey);
  }

  process(queue: string, handler: JobHandler, options: ProcessOptions = {}): void {
    const lane = this.lane(queue);
    lane.handler = handler;
    lane.options = {
      concurrency: options.concurrency ?? 1,
      attempts: options.attempts ?? 5,
      backoffMs: options.backoffMs ?? 1_000,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    };
    this.pump(queue);
  }

  async counts(queue: string): Promise<QueueCounts> {
    const lane = this.lane(queue);
    const now = Date.now();
    return {
      waiting: lane.pending.filter((p) => p.notBefore <= now).length,
      delayed: lane.pending.filter((p) => p.notBefore > now).length,
      active: lane.active.size,
      failed: lane.failed,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const { timer } of this.schedules.values()) clearInterval(timer);
    for (const lane of this.lanes.values()) if (lane.timer !== undefined) clearTimeout(lane.timer);
    // Let running jobs finish: graceful shutdown.
    while ([...this.lanes.values()].some((l) => l.active.size > 0))
      await new Promise((r) => setTimeout(r, 10));
  }

  private lane(queue: string): Lane {
    let lane = this.lanes.get(queue);
    if (lane === undefined) {
      lane = {
        pending: [],
        active: new Set(),
        failed: 0,
        options: { concurrency: 1, attempts: 5, backoffMs: 1_000, maxBackoffMs: DEFAULT_MAX_BACKOFF_MS },
      };
      this.lanes.set(queue, lane);
    }
    return lane;
  }

  private pump(queue: string): void {
    const lane = this.lane(queue);
    if (lane.handler === undefined || this.closing) return;
    const now = Date.now();
    while (lane.active.size < lane.options.concurrency) {
      const index = lane.pending.findIndex((p) => p.notBefore <= now);
      if (index < 0) break;
      const [next] = lane.pending.splice(index, 1);
      if (next !== undefined) void this.run(queue, lane, next);
    }
    const soonest = Math.min(...lane.pending.map((p) => p.notBefore));
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    if (Number.isFinite(soonest)) lane.timer = setTimeout(() => this.pump(queue), Math.max(0, soonest - now));
  }

  private async run(queue: string, lane: Lane, pending: Pending): Promise<void> {
    lane.active.add(pending);
    try {
      await lane.handler?.(pending.job);
    } catch (error) {
      const attempt = pending.job.attempt;
      if (error instanceof PermanentError || attempt >= lane.options.attempts) {
        lane.failed += 1;
      } else {
        const delay =
          error instanceof RetryLater
            ? error.delayMs
            : backoffDelay(attempt, lane.options.backoffMs, lane.options.maxBackoffMs);
        lane.pending.push({
          ...pending,
          job: { ...pending.job, attempt: attempt + 1 },
          notBefore: Date.now() + delay,
        });
      }
    } finally {
      lane.active.delete(pending);
      this.pump(queue);
    }
  }
}

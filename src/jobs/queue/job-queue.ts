/**
 * The queue port. Every step that crosses a process boundary is a job: poll, detect, triage, notify,
 * contain, undo, expire. Jobs carry ids, never state only they know: the store is the source of truth.
 */

/** The longest a failed job waits before its next try, unless its lane says otherwise. */
export const DEFAULT_MAX_BACKOFF_MS = 60_000;

/** How long a worker's hold on a job lasts without renewal (BullMQ's lock; see BullMqQueue). */
export const DEFAULT_JOB_LOCK_MS = 15_000;

export type JobData = Record<string, string | number | boolean>;

export interface Job {
  id: string;
  name: string;
  data: JobData;
  /** 1 on the first try. */
  attempt: number;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface AddOptions {
  /**
   * While a job with this key waits, adding another does nothing; while one runs, one more is queued to
   * run after it (BullMQ's keepLastIfActive). A burst of "detect tenant X" becomes one run, and events
   * that arrive during a run still get a run of their own.
   */
  dedupeKey?: string;
  delayMs?: number;
}

export interface ProcessOptions {
  concurrency?: number;
  /** Tries before a job is failed for good (default 5). */
  attempts?: number;
  /** First back-off; doubles each try, with jitter (default 1 s)... */
  backoffMs?: number;
  /** ...up to this (default 60 s): a job on its eighth try waits a minute, not four. */
  maxBackoffMs?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue {
  readonly kind: "bullmq" | "in-process";
  add(queue: string, name: string, data: JobData, options?: AddOptions): Promise<void>;
  /** Runs a job every `everyMs`: one schedule per key, however many processes ask for it. */
  repeat(queue: string, key: string, name: string, data: JobData, everyMs: number): Promise<void>;
  /** The keys of the queue's schedules. */
  repeats(queue: string): Promise<string[]>;
  /** Ends a schedule (a no-op if there is none); jobs already queued still run. */
  unrepeat(queue: string, key: string): Promise<void>;
  process(queue: string, handler: JobHandler, options?: ProcessOptions): void;
  counts(queue: string): Promise<QueueCounts>;
  /** Stops taking jobs, lets running ones finish, then closes connections. */
  close(): Promise<void>;
}

/** Thrown by a handler when retrying cannot help (a permission is missing, the input is wrong). */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
}

/** Thrown by a handler that must wait before trying again (throttled, or another process holds a lock). */
export class RetryLater extends Error {
  override readonly name = "RetryLater";
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Exponential back-off with jitter, capped: spreads retries of many jobs instead of syncing them. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number = DEFAULT_MAX_BACKOFF_MS,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

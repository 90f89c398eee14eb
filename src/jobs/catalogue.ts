import type { JobData, JobQueue } from "./queue/job-queue.js";
import { QUEUE } from "./queues.js";

/**
 * Every job Warden queues by hand, declared once (the schedules are declared in app.ts; a busy poll
 * queued again carries its schedule's data, poll-handler.ts): its queue, its name, what its data holds, and the
 * dedupe key under which a burst of the same request becomes one run. A job's data only says what to
 * work on: who decided what is read from the store (src/respond/recorded-decision.ts), never from a job.
 */
interface JobSpec<D> {
  queue: string;
  name: string;
  key(data: D): string;
}

const spec = <D>(queue: string, name: string, key: (data: D) => string): JobSpec<D> => ({ queue, name, key });

export const JOBS = {
  /** Detection over a tenant's new events. */
  detect: spec<{ tenantId: string }>(QUEUE.detect, "detect", (d) => `detect:${d.tenantId}`),
  /** Subscriptions listed again now (a poll was refused): not at the next scheduled discovery. */
  discoverNow: spec<{ tenantId: string }>(QUEUE.poll, "discover", (d) => `discover-now:${d.tenantId}`),
  /** A new or grown incident planned, then contained automatically or put to a person. */
  triage: spec<{ tenantId: string; incidentId: string }>(
    QUEUE.triage,
    "triage",
    (d) => `triage:${d.incidentId}`,
  ),
  /** An incident's decided actions run. */
  contain: spec<{ incidentId: string; automatic?: boolean }>(
    QUEUE.contain,
    "contain",
    (d) => `contain:${d.incidentId}`,
  ),
  /** An incident's executed actions undone. */
  undo: spec<{ incidentId: string }>(QUEUE.contain, "undo", (d) => `undo:${d.incidentId}`),
  /**
   * The tenant looked at for the steps an incident's actions asked of a person (administrator-steps.ts).
   * Keyed by a time slot of the check interval: however many ask within one interval, one check runs.
   */
  administratorSteps: spec<{ incidentId: string; slot: number }>(
    QUEUE.contain,
    "administrator-steps",
    (d) => `administrator-steps:${d.incidentId}:${d.slot}`,
  ),
  /**
   * An incident's card posted or brought up to date. `refresh`: rendered again even at the version already
   * posted (Microsoft's alerts change what it shows without moving its version).
   */
  notify: spec<{ incidentId: string; refresh?: boolean }>(
    QUEUE.notify,
    "notify",
    (d) => `notify:${d.incidentId}`,
  ),
} as const;

/** Queues a job of the catalogue under its own dedupe key, after `delayMs` if given. */
export function enqueue<D extends JobData>(
  queue: JobQueue,
  job: JobSpec<D>,
  data: D,
  delayMs?: number,
): Promise<void> {
  return queue.add(job.queue, job.name, data, {
    dedupeKey: job.key(data),
    ...(delayMs === undefined ? {} : { delayMs }),
  });
}

/** Queues a look at the tenant for an incident's administrator steps, `everyMs` from `now`. */
export function checkAdministratorStepsLater(
  queue: JobQueue,
  incidentId: string,
  everyMs: number,
  now: number,
  delayMs = everyMs,
): Promise<void> {
  const slot = Math.floor((now + delayMs) / everyMs);
  return enqueue(queue, JOBS.administratorSteps, { incidentId, slot }, delayMs);
}

import type { Logger } from "../log.js";
import { type Job, type JobHandler, PermanentError } from "./queue/job-queue.js";

/**
 * One queue's handlers, by job name. A job of a name the queue does not serve is refused, logged as a
 * security warning, and never retried: jobs come from Warden's own workflow, and anyone who can write to
 * the queue can write one (src/respond/recorded-decision.ts says what a job may and may not ask for).
 */
export function byName(
  queue: string,
  handlers: Readonly<Record<string, JobHandler>>,
  log: Logger,
): JobHandler {
  return async (job: Job) => {
    const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name] : undefined;
    if (handler === undefined) {
      log.warn(
        { security: true, queue, job: job.name, jobId: job.id },
        `refused a "${job.name}" job: the ${queue} queue serves ${Object.keys(handlers).join(", ")} (check who can write to the queue)`,
      );
      throw new PermanentError(`no "${job.name}" job on ${queue}`);
    }
    await handler(job);
  };
}

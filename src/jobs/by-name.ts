import type { Logger } from "../log.js";
import { type Job, type JobHandler, PermanentError } from "./queue/job-queue.js";

/** What a handler gets with each job besides its data. */
export interface JobContext {
  /** Lines carry the queue, the job's name and id, and the tenant and incident the job names. */
  log: Logger;
}

export type NamedJobHandler = (job: Job, context: JobContext) => Promise<void>;

/** Ids longer than this are not ids: a job written by hand does not get to fill the log with them. */
const MAX_ID_LENGTH = 100;

/**
 * One queue's handlers, by job name. A job of a name the queue does not serve is refused, logged as a
 * security warning, and never retried: jobs come from Warden's own workflow, and anyone who can write to
 * the queue can write one (src/respond/recorded-decision.ts says what a job may and may not ask for).
 */
export function byName(
  queue: string,
  handlers: Readonly<Record<string, NamedJobHandler>>,
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
    await handler(job, { log: log.child(jobFields(queue, job)) });
  };
}

function jobFields(queue: string, job: Job): Record<string, string> {
  const fields: Record<string, string> = { queue, job: job.name, jobId: job.id };
  for (const name of ["tenantId", "incidentId"]) {
    const value = job.data[name];
    if (typeof value === "string" && value.length <= MAX_ID_LENGTH) fields[name] = value;
  }
  return fields;
}

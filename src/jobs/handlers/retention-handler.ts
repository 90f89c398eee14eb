import type { Database } from "../../store/database.js";
import { deleteEventsBefore } from "../../store/events-repo.js";
import type { JobContext } from "../by-name.js";
import type { Job } from "../queue/job-queue.js";

/** `retention`: deletes events older than the retention. Findings and incidents stay; they cite event ids. */
export function retentionHandler(db: Database, retentionMs: number, now: () => number = Date.now) {
  return async (_job: Job, { log }: JobContext): Promise<void> => {
    const before = new Date(now() - retentionMs);
    const deleted = await deleteEventsBefore(db, before);
    log.info({ deleted, before: before.toISOString() }, "old events deleted");
  };
}

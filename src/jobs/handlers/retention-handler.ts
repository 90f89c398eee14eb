import type { Logger } from "../../log.js";
import type { Database } from "../../store/database.js";
import { deleteEventsBefore } from "../../store/events-repo.js";

/** `retention`: deletes events older than the retention. Findings and incidents stay; they cite event ids. */
export function retentionHandler(
  db: Database,
  retentionMs: number,
  log: Logger,
  now: () => number = Date.now,
) {
  return async (): Promise<void> => {
    const before = new Date(now() - retentionMs);
    const deleted = await deleteEventsBefore(db, before);
    log.info({ deleted, before: before.toISOString() }, "old events deleted");
  };
}

import type { Logger } from "../../log.js";
import {
  anythingChanged,
  carriedForward,
  type PostureChanges,
  postureChanges,
} from "../../posture/changes.js";
import type { PostureReport } from "../../posture/types.js";
import type { Database } from "../../store/database.js";
import { lastPostedPosture, savePostedPosture } from "../../store/posture-repo.js";

export interface PostureHandlerDeps {
  db: Database;
  tenantId: string;
  log: Logger;
  /** Reads the tenant and judges it. */
  run: () => Promise<PostureReport>;
  /** Posts the card to the incident channel; false when there is none yet. Absent without a bot. */
  post?: (report: PostureReport, changes: PostureChanges) => Promise<boolean>;
}

/**
 * `posture` (scheduled, weekly by default): reads the posture and posts the card when something changed
 * since the last card posted (a door opened or closed, a check gone unreadable or back), saying what.
 * What was posted is kept only once it is posted, so a card that could not go out goes out next time.
 */
export function postureHandler(deps: PostureHandlerDeps) {
  return async (): Promise<void> => {
    const report = await deps.run();
    // One comparison and post at a time per tenant, whichever process runs it: two overlapping runs (a
    // slow read, a short WARDEN_POSTURE_EVERY_HOURS) would otherwise both find the change and both post it.
    await deps.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:${deps.tenantId}:posture`]);
      const before = await lastPostedPosture(tx, deps.tenantId);
      if (before !== undefined && Date.parse(before.at) > Date.parse(report.at)) return;
      const changes = postureChanges(before, report);
      const fields = {
        tenantId: deps.tenantId,
        findings: report.summary.findings,
        unreadable: report.summary.unreadable.map((u) => u.check),
        opened: changes.opened.length,
        closed: changes.closed.length,
        changed: changes.changed.length,
      };
      if (!anythingChanged(changes))
        return void deps.log.info(fields, "posture read: nothing changed, no card");
      if (deps.post === undefined) return void deps.log.info(fields, "posture read: no bot to post the card");
      if (!(await deps.post(report, changes)))
        return void deps.log.warn(
          fields,
          "posture read: no incident channel yet, the card waits for the next run",
        );
      await savePostedPosture(tx, deps.tenantId, carriedForward(before, report));
      deps.log.info(fields, "posture card posted");
    });
  };
}

import type { Logger } from "../../log.js";
import {
  anythingChanged,
  carriedForward,
  type PostureChanges,
  postureChanges,
} from "../../posture/changes.js";
import type { PostureReport } from "../../posture/types.js";
import type { Database } from "../../store/database.js";
import { lastPostedPosture, releasePostureClaim, savePostedPosture } from "../../store/posture-repo.js";

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
    // The comparison claims the change before the card goes out: of two overlapping runs (a slow read, a
    // short WARDEN_POSTURE_EVERY_HOURS, two workers), only one finds it to post. The claim is given back
    // if the card cannot be posted, so the next run posts it. Nothing waits on Teams inside the
    // transaction (an embedded store has one connection, which the post needs too).
    const claim = await deps.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:${deps.tenantId}:posture`]);
      const before = await lastPostedPosture(tx, deps.tenantId);
      if (before !== undefined && Date.parse(before.at) >= Date.parse(report.at)) return undefined;
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
      await savePostedPosture(tx, deps.tenantId, carriedForward(before, report));
      return { before, changes, fields };
    });
    if (claim === undefined || deps.post === undefined) return;
    let posted = false;
    try {
      posted = await deps.post(report, claim.changes);
    } finally {
      // Given back so the next run posts it; a store that fails now must not hide why the post failed.
      if (!posted)
        await releasePostureClaim(deps.db, deps.tenantId, report.at, claim.before).catch((error: unknown) =>
          deps.log.warn({ err: String(error) }, "posture: the unposted card's claim could not be given back"),
        );
    }
    if (posted) deps.log.info(claim.fields, "posture card posted");
    else
      deps.log.warn(claim.fields, "posture read: no incident channel yet, the card waits for the next run");
  };
}

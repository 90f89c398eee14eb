import type { Logger } from "../../log.js";
import {
  anythingChanged,
  carriedForward,
  type PostureChanges,
  postureChanges,
} from "../../posture/changes.js";
import type { PostureReport } from "../../posture/types.js";
import type { Database } from "../../store/database.js";
import {
  claimPosture,
  POSTURE_CLAIM_LEASE_MS,
  postureState,
  settlePostureClaim,
} from "../../store/posture-repo.js";

export interface PostureHandlerDeps {
  db: Database;
  tenantId: string;
  log: Logger;
  /** Reads the tenant and judges it. */
  run: () => Promise<PostureReport>;
  /** Posts the card to the incident channel; false when there is none yet. Absent without a bot. */
  post?: (report: PostureReport, changes: PostureChanges) => Promise<boolean>;
  now?: () => number;
}

/**
 * `posture` (scheduled, weekly by default): reads the posture and posts the card when something changed
 * since the last card posted (a door opened, closed or widened, a check gone unreadable or back), saying
 * what. The news is claimed before the card goes out, under a per-tenant lock: a run that finds a live
 * claim (another run posting) leaves the news to it. The claimed report becomes the last posted only once
 * its card is out; a card that could not go out leaves the last posted as it was, so the next run posts the
 * same news. Nothing waits on Teams inside the transaction (an embedded store has one connection, which the
 * post needs too).
 */
export function postureHandler(deps: PostureHandlerDeps) {
  const now = deps.now ?? Date.now;
  return async (): Promise<void> => {
    const report = await deps.run();
    const claim = await deps.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:${deps.tenantId}:posture`]);
      const { posted: before, claim: live } = await postureState(tx, deps.tenantId);
      if (live !== undefined && now() - live.at < POSTURE_CLAIM_LEASE_MS)
        return void deps.log.info(
          { tenantId: deps.tenantId },
          "posture read: another run is posting its card",
        );
      // A read that began before the last posted one has nothing newer to say.
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
      const at = now();
      await claimPosture(tx, deps.tenantId, carriedForward(before, report), at);
      return { at, changes, fields };
    });
    if (claim === undefined || deps.post === undefined) return;
    let posted = false;
    try {
      posted = await deps.post(report, claim.changes);
    } finally {
      // Settled either way; a store that fails now must not hide why the post failed (the lease ends it).
      await settlePostureClaim(deps.db, deps.tenantId, claim.at, posted).catch((error: unknown) =>
        deps.log.warn({ err: String(error) }, "posture: the card's claim could not be settled"),
      );
    }
    if (posted) deps.log.info(claim.fields, "posture card posted");
    else
      deps.log.warn(claim.fields, "posture read: no incident channel yet, the card waits for the next run");
  };
}

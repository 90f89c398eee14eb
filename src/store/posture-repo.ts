import type { PostureReport } from "../posture/types.js";
import type { Queryable } from "./database.js";

/** The posture report last posted for a tenant, if one was. */
export async function lastPostedPosture(db: Queryable, tenantId: string): Promise<PostureReport | undefined> {
  const { rows } = await db.query<{ report: PostureReport | string }>(
    "SELECT report FROM posture_reports WHERE tenant_id = $1",
    [tenantId],
  );
  const report = rows[0]?.report;
  return report === undefined ? undefined : typeof report === "string" ? JSON.parse(report) : report;
}

/** Keeps the report just posted, in place of the one before (only ever a newer one: reports can race). */
export async function savePostedPosture(
  db: Queryable,
  tenantId: string,
  report: PostureReport,
): Promise<void> {
  await db.query(
    `INSERT INTO posture_reports (tenant_id, taken_at, report) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET taken_at = excluded.taken_at, report = excluded.report, posted_at = now()
     WHERE posture_reports.taken_at <= excluded.taken_at`,
    [tenantId, report.at, JSON.stringify(report)],
  );
}

/**
 * Puts back the report posted before `claimedAt`'s, when the card of `claimedAt` could not be posted:
 * only while the stored report is still that claim (another run may have posted since).
 */
export async function releasePostureClaim(
  db: Queryable,
  tenantId: string,
  claimedAt: string,
  before: PostureReport | undefined,
): Promise<void> {
  if (before === undefined) {
    await db.query("DELETE FROM posture_reports WHERE tenant_id = $1 AND taken_at = $2", [
      tenantId,
      claimedAt,
    ]);
    return;
  }
  await db.query(
    "UPDATE posture_reports SET taken_at = $3, report = $4 WHERE tenant_id = $1 AND taken_at = $2",
    [tenantId, claimedAt, before.at, JSON.stringify(before)],
  );
}

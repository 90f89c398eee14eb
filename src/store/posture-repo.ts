import type { PostureReport } from "../posture/types.js";
import type { Queryable } from "./database.js";

/** A claim older than this is dead (its run crashed mid-post): another run may claim again. */
export const POSTURE_CLAIM_LEASE_MS = 15 * 60_000;

interface PostureRow {
  report: PostureReport | string | null;
  claim: PostureReport | string | null;
  claimed_at: Date | string | null;
}

const parsed = (value: PostureReport | string | null): PostureReport | undefined =>
  value === null ? undefined : typeof value === "string" ? (JSON.parse(value) as PostureReport) : value;

/** The last report posted for a tenant, and the claim of a card being posted, if any. */
export async function postureState(
  db: Queryable,
  tenantId: string,
): Promise<{ posted?: PostureReport; claim?: { report: PostureReport; at: number } }> {
  const { rows } = await db.query<PostureRow>(
    "SELECT report, claim, claimed_at FROM posture_reports WHERE tenant_id = $1",
    [tenantId],
  );
  const row = rows[0];
  if (row === undefined) return {};
  const posted = parsed(row.report);
  const claim = parsed(row.claim);
  return {
    ...(posted === undefined ? {} : { posted }),
    ...(claim === undefined || row.claimed_at === null
      ? {}
      : { claim: { report: claim, at: new Date(row.claimed_at).getTime() } }),
  };
}

/** Claims the card of `report` (what the last posted becomes once it is posted), at `now`. */
export async function claimPosture(db: Queryable, tenantId: string, report: PostureReport, now: number) {
  await db.query(
    `INSERT INTO posture_reports (tenant_id, claim, claimed_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET claim = excluded.claim, claimed_at = excluded.claimed_at`,
    [tenantId, JSON.stringify(report), new Date(now).toISOString()],
  );
}

/**
 * Ends the claim made at `claimedAt`: the claimed report becomes the last posted when its card went out,
 * else it is dropped and the last posted stays (the next run posts the news). Nothing, when the claim is no
 * longer that one (its lease ran out and another run claimed since).
 */
export async function settlePostureClaim(
  db: Queryable,
  tenantId: string,
  claimedAt: number,
  posted: boolean,
) {
  await db.query(
    posted
      ? `UPDATE posture_reports SET report = claim, taken_at = (claim->>'at')::timestamptz, posted_at = now(),
           claim = NULL, claimed_at = NULL WHERE tenant_id = $1 AND claimed_at = $2`
      : "UPDATE posture_reports SET claim = NULL, claimed_at = NULL WHERE tenant_id = $1 AND claimed_at = $2",
    [tenantId, new Date(claimedAt).toISOString()],
  );
}

import type { Queryable } from "./database.js";

/** Where a poller has read up to. A poll that fails never moves it, so the next poll reads the same window. */
export async function readWatermark(
  db: Queryable,
  tenantId: string,
  source: string,
  scope = "",
): Promise<Date | undefined> {
  const { rows } = await db.query<{ watermark: Date | string }>(
    "SELECT watermark FROM watermarks WHERE tenant_id = $1 AND source = $2 AND scope = $3",
    [tenantId, source, scope],
  );
  const value = rows[0]?.watermark;
  return value === undefined ? undefined : new Date(value);
}

/** Moves the watermark forward only: a slower concurrent poll can never take it back. */
export async function advanceWatermark(
  db: Queryable,
  tenantId: string,
  source: string,
  scope: string,
  to: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO watermarks (tenant_id, source, scope, watermark) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, source, scope)
     DO UPDATE SET watermark = GREATEST(watermarks.watermark, excluded.watermark), updated_at = now()`,
    [tenantId, source, scope, to.toISOString()],
  );
}

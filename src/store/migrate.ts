import type { Database } from "./database.js";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** A fixed key for pg_advisory_xact_lock: one process migrates at a time, the others wait and find it done. */
const MIGRATION_LOCK = 7_340_113;

/** Applies the migrations not yet applied, each in its own transaction. Returns the ids applied. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const { rows } = await tx.query("SELECT 1 FROM schema_migrations WHERE id = $1", [migration.id]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [
        migration.id,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  await refuseNewerSchema(db, migrations);
  return applied;
}

/**
 * A database a newer Warden has migrated is not this one's to run on: a migration may have changed what
 * a table means (migration 4 re-keyed every event), and an older version would read it wrongly, or
 * write what the newer one then misreads. Rolling back is running the older version on the backup taken
 * before the upgrade (docs/operations.md).
 */
async function refuseNewerSchema(db: Database, migrations: readonly Migration[]): Promise<void> {
  const known = Math.max(0, ...migrations.map((m) => m.id));
  const { rows } = await db.query<{ id: number; name: string }>(
    "SELECT id, name FROM schema_migrations WHERE id > $1 ORDER BY id",
    [known],
  );
  const newer = rows[0];
  if (newer !== undefined)
    throw new Error(
      `the database was migrated by a newer Warden (migration ${newer.id}, ${newer.name}; this version knows up to ${known}): run that version, or restore the backup taken before the upgrade`,
    );
}

import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { storeEvents } from "../../src/store/events-repo.js";
import { migrate } from "../../src/store/migrate.js";
import { openPostgres } from "../../src/store/postgres.js";
import { ADMIN_DATABASE_URL, postgresAvailable } from "../helpers/services.js";

/**
 * Issue 24: on PostgreSQL 15 a role that does not own the database gets "permission denied for schema
 * public". docs/deploy.md gives the lines that make Warden a role owning only its schema; this runs those
 * very lines (read from the doc), then Warden's migrations and a write as that role.
 */

const withPostgres = await postgresAvailable();
const suffix = `${process.pid}_${Date.now()}`;
const DATABASE = `warden_role_${suffix}`;
const ROLE = `warden_app_${suffix}`;

/** The SQL block under the `database-role` marker, with this test's names. */
function documentedLines(): string[] {
  const doc = readFileSync(new URL("../../docs/deploy.md", import.meta.url), "utf8");
  const block = /<!-- database-role[^>]*-->\s*```sql\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error("docs/deploy.md has no database-role block");
  return block
    .trim()
    .split("\n")
    .map((line) =>
      line
        .replace(/\bwarden_app\b/g, ROLE)
        .replace(/DATABASE warden\b/g, `DATABASE ${DATABASE}`)
        .replace(/'from-your-secret-store'/, "'test-password'"),
    );
}

async function asAdmin(database: string, statements: string[]): Promise<void> {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(!withPostgres)("a dedicated database role", () => {
  afterAll(async () => {
    await asAdmin("postgres", [
      `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`,
      `DROP ROLE IF EXISTS ${ROLE}`,
    ]).catch(() => undefined);
  });

  it("runs Warden with the lines docs/deploy.md gives, and nothing more", async () => {
    await asAdmin("postgres", [`CREATE DATABASE ${DATABASE}`]);
    const lines = documentedLines();
    expect(lines).toHaveLength(4);
    // CREATE ROLE is cluster-wide; the rest happen in Warden's database.
    await asAdmin(DATABASE, lines);
    const url = new URL(ADMIN_DATABASE_URL);
    url.username = ROLE;
    url.password = "test-password";
    url.pathname = `/${DATABASE}`;
    const db = await openPostgres(url.toString());
    try {
      await migrate(db);
      const stored = await storeEvents(db, [
        {
          id: "role-test",
          source: "entra-audit",
          shape: "graph-directory-audit",
          tenantId: "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13",
          time: Date.now(),
          operation: "Update user",
          succeeded: true,
          kind: "other",
        },
      ]);
      expect(stored.size).toBe(1);
      const { rows } = await db.query<{ schema: string }>(
        "SELECT DISTINCT table_schema AS schema FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
      );
      expect(rows.map((r) => r.schema)).toEqual(["warden"]);
    } finally {
      await db.close();
    }
  });
});

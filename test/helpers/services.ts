import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.js";
import { openPglite } from "../../src/store/pglite.js";
import { openPostgres } from "../../src/store/postgres.js";

/**
 * Tests talk to the real Redis and Postgres of this machine. When one is missing they say so and skip,
 * except where WARDEN_REQUIRE_SERVICES is set (.ci/run sets it): there a missing service fails the run.
 */

export const ADMIN_DATABASE_URL =
  process.env["WARDEN_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env["WARDEN_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const REQUIRED = process.env["WARDEN_REQUIRE_SERVICES"] === "1";

async function reachable(name: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const message = `${name} is not reachable (${(error as Error).message})`;
    if (REQUIRED) throw new Error(`${message}; WARDEN_REQUIRE_SERVICES=1 makes this a failure`);
    process.stderr.write(`skipping ${name} tests: ${message}\n`);
    return false;
  }
}

export function postgresAvailable(): Promise<boolean> {
  return reachable("PostgreSQL", async () => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3_000 });
    await client.connect();
    await client.end();
  });
}

export async function redisAvailable(): Promise<boolean> {
  const { Redis } = await import("ioredis");
  return reachable("Redis", async () => {
    const redis = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 3_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
}

/** A database of its own for one test file, dropped by the returned cleanup. */
export async function freshPostgres(
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ url: string; db: Database; drop: () => Promise<void> }> {
  const name = `warden_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  // The drop below terminates this database's connections on purpose: not worth a warning.
  const db = await openPostgres(url.toString(), { onIdleError: () => undefined });
  await migrate(db, migrations);
  return {
    url: url.toString(),
    db,
    drop: async () => {
      await db.close();
      const again = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export async function freshPglite(
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ db: Database; drop: () => Promise<void> }> {
  const db = await openPglite();
  await migrate(db, migrations);
  return { db, drop: () => db.close() };
}

/** Debian's Chromium, which `.ci/run` installs; tests never let a tool download a browser of its own. */
export const CHROMIUM_PATH = process.env["WARDEN_CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export async function chromiumAvailable(): Promise<boolean> {
  const { access } = await import("node:fs/promises");
  return reachable("Chromium", () => access(CHROMIUM_PATH));
}

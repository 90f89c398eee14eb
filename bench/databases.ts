import { randomBytes } from "node:crypto";
import pg from "pg";

/** Where the benchmarks create their throwaway databases (WARDEN_BENCH_DATABASE_URL to point elsewhere). */
export const BENCH_ADMIN_URL =
  process.env["WARDEN_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A new, empty database for one benchmark run, and how to drop it. */
export async function freshDatabase(
  adminUrl: string = BENCH_ADMIN_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `warden_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

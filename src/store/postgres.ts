import pg from "pg";
import type { Database, Queryable } from "./database.js";

/** Postgres through a connection pool. Timestamps are kept as text by the queries that need them exact. */
export interface PostgresOptions {
  max?: number;
  /**
   * Called when an idle pooled connection dies (Postgres restarted, or a connection was terminated). The
   * pool drops that connection and the next query opens a new one; without a listener, node would crash.
   */
  onIdleError?: (error: Error) => void;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  pool.on(
    "error",
    options.onIdleError ??
      ((error) => process.stderr.write(`warden: idle database connection lost: ${error.message}\n`)),
  );
  // Fail at start with a clear message instead of at the first query.
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `cannot connect to the database at ${redact(url)}: ${(error as Error).message}. Check DATABASE_URL.`,
    );
  }
  let closed = false;
  const run: Queryable["query"] = async (sql, params) => {
    const result = await pool.query(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };
  return {
    kind: "postgres",
    query: run,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      // While checked out, a client's connection error (Postgres restarted between two statements of
      // this transaction) is emitted on the client, where the pool no longer listens: with no listener,
      // it would crash the process. Kept here, it fails the transaction's next statement instead, and the
      // connection is discarded at release rather than handed to the next caller.
      let lost: Error | undefined;
      const onLost = (error: Error) => {
        lost = error;
      };
      client.on("error", onLost);
      try {
        await client.query("BEGIN");
        const tx: Queryable = {
          async query(sql, params) {
            const result = await client.query(sql, params as unknown[] | undefined);
            return { rows: result.rows, rowCount: result.rowCount ?? 0 };
          },
          async exec(sql) {
            await client.query(sql);
          },
        };
        const value = await work(tx);
        await client.query("COMMIT");
        return value;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.removeListener("error", onLost);
        client.release(lost);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

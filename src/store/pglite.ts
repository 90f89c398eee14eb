import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";

/**
 * PGlite: Postgres in-process, for the embedded mode (a first look, the demo, small labs). One connection,
 * so transactions are serialised by PGlite itself. `dataDir` undefined keeps everything in memory.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  const run =
    (target: Pick<PGlite, "query" | "exec">): Queryable["query"] =>
    async (sql, params) => {
      const result = await target.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as never[], rowCount: result.affectedRows ?? result.rows.length };
    };
  return {
    kind: "pglite",
    query: run(db),
    async exec(sql) {
      await db.exec(sql);
    },
    async transaction(work) {
      return db.transaction(async (tx) =>
        work({
          query: run(tx),
          async exec(sql) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}

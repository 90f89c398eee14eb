import { Gauge, Registry } from "prom-client";
import type { JobQueue, QueueCounts } from "../jobs/queue/job-queue.js";
import { QUEUE } from "../jobs/queues.js";
import type { Queryable } from "../store/database.js";
import { processRegistry } from "./process-metrics.js";

interface Snapshot {
  incidents?: { state: string; n: number }[];
  queues?: [string, QueueCounts][];
}

/**
 * This process's counters plus what the store and the queue hold right now, read once per scrape:
 * incidents per state, jobs per queue and state. A scrape that cannot read one of them leaves it out and
 * sets `warden_state_read_ok` to 0, rather than failing the whole scrape.
 */
export function wardenRegistry(deps: { db: Queryable; queue: JobQueue; tenantId: string }): Registry {
  let cached: { at: number; snapshot: Promise<Snapshot> } | undefined;
  // The gauges collect in parallel: one read of the store and the queue serves them all.
  const snapshot = (): Promise<Snapshot> => {
    if (cached === undefined || Date.now() - cached.at > 1_000) {
      cached = { at: Date.now(), snapshot: read(deps) };
    }
    return cached.snapshot;
  };
  const state = new Registry();
  new Gauge({
    name: "warden_incidents",
    help: "Incidents of the watched tenant, per state",
    labelNames: ["state"] as const,
    registers: [state],
    async collect() {
      this.reset();
      for (const row of (await snapshot()).incidents ?? []) this.set({ state: row.state }, row.n);
    },
  });
  new Gauge({
    name: "warden_queue_jobs",
    help: "Jobs in each queue, per state",
    labelNames: ["queue", "state"] as const,
    registers: [state],
    async collect() {
      this.reset();
      for (const [queue, counts] of (await snapshot()).queues ?? []) {
        for (const [jobState, n] of Object.entries(counts)) this.set({ queue, state: jobState }, n);
      }
    },
  });
  new Gauge({
    name: "warden_state_read_ok",
    help: "1 when this scrape read incident and queue state, 0 when the store or the queue failed",
    registers: [state],
    async collect() {
      const s = await snapshot();
      this.set(s.incidents !== undefined && s.queues !== undefined ? 1 : 0);
    },
  });
  return Registry.merge([processRegistry, state]);
}

async function read(deps: { db: Queryable; queue: JobQueue; tenantId: string }): Promise<Snapshot> {
  const [incidents, queues] = await Promise.all([
    deps.db
      .query<{ state: string; n: string | number }>(
        "SELECT state, count(*) AS n FROM incidents WHERE tenant_id = $1 GROUP BY state",
        [deps.tenantId],
      )
      .then(({ rows }) => rows.map((r) => ({ state: r.state, n: Number(r.n) })))
      .catch(() => undefined),
    Promise.all(
      Object.values(QUEUE).map(async (q): Promise<[string, QueueCounts]> => [q, await deps.queue.counts(q)]),
    ).catch(() => undefined),
  ]);
  return {
    ...(incidents === undefined ? {} : { incidents }),
    ...(queues === undefined ? {} : { queues }),
  };
}

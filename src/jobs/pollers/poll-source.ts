import type { ArmActivity } from "../../cloud/arm-activity.js";
import type { GraphDirectory } from "../../cloud/graph-directory.js";
import type { GraphLogs } from "../../cloud/graph-logs.js";
import type { SecurityEvent } from "../../detect/event.js";
import { normaliseRecord } from "../../detect/normalise/recognise.js";
import { type HuntingQuery, queryForWindow } from "../../hunting/seed-queries.js";
import type { Logger } from "../../log.js";
import type { Database } from "../../store/database.js";
import { storeEvents } from "../../store/events-repo.js";
import { advanceWatermark, readWatermark } from "../../store/watermarks-repo.js";
import { type PollSource, sourceKey } from "./sources.js";

/**
 * Events stored per insert: a few pages' worth, bounded so a busy window never sits whole in memory.
 * Measured on PostgreSQL 15 here: 200 a statement 98 µs a row, 500 95 µs, 2,000 152 µs (the arrays'
 * text grows past what the server parses cheaply).
 */
const STORE_BATCH = 500;

export interface PollSettings {
  /** Each window starts this long before the last one ended: logs arrive late (p99 ~5 min, sometimes 30). */
  overlapMs: number;
  /** The first poll of a source reads this far back. */
  initialLookbackMs: number;
}

export interface PollDeps {
  db: Database;
  graph: GraphLogs;
  arm: ArmActivity;
  /** Runs Defender hunting queries, for the `hunting` source. */
  directory: GraphDirectory;
  /** The seed hunting queries by name (hunting/*.kql). */
  huntingQueries: ReadonlyMap<string, HuntingQuery>;
  tenantId: string;
  settings: PollSettings;
  log: Logger;
  now: () => number;
}

export interface PollResult {
  from: Date;
  to: Date;
  records: number;
  /** Pages read: more than one says the source is busier than one request a poll. */
  pages: number;
  newEvents: number;
  skipped: number;
}

/**
 * Reads one closed window of one source and stores what it holds. The window overlaps the previous one,
 * events are stored by id (the overlap's repeats are dropped there), and the watermark moves only after
 * every page is stored: a poll that fails leaves it where it was, and the next poll reads the window again.
 */
export async function pollSource(deps: PollDeps, source: PollSource): Promise<PollResult> {
  const { source: name, scope } = sourceKey(source);
  const watermark = await readWatermark(deps.db, deps.tenantId, name, scope);
  const to = new Date(deps.now());
  const from = new Date(
    watermark === undefined
      ? to.getTime() - deps.settings.initialLookbackMs
      : watermark.getTime() - deps.settings.overlapMs,
  );
  const pages = readWindow(deps, source, from, to);
  const result: PollResult = { from, to, records: 0, pages: 0, newEvents: 0, skipped: 0 };
  let events: SecurityEvent[] = [];
  for await (const page of pages) {
    result.pages += 1;
    for (const record of page) {
      result.records += 1;
      const normalised = normaliseRecord(record, { tenantId: deps.tenantId });
      if (normalised.ok) events.push({ ...normalised.event, tenantId: deps.tenantId });
      else {
        result.skipped += 1;
        deps.log.warn(
          { tenantId: deps.tenantId, source: name, scope, reason: normalised.reason },
          "record skipped",
        );
      }
    }
    // Stored a few pages at a time: each insert takes the tenant's event lock (see events-repo), and at
    // thousands of events a second fewer, larger inserts wait less for it.
    if (events.length >= STORE_BATCH) {
      result.newEvents += (await storeEvents(deps.db, events)).size;
      events = [];
    }
  }
  result.newEvents += (await storeEvents(deps.db, events)).size;
  await advanceWatermark(deps.db, deps.tenantId, name, scope, to);
  return result;
}

function readWindow(
  deps: PollDeps,
  source: PollSource,
  from: Date,
  to: Date,
): AsyncIterable<Record<string, unknown>[]> {
  switch (source.kind) {
    case "graph":
      return deps.graph.list(source.log, from, to);
    case "activity":
      return deps.arm.events(source.subscriptionId, from, to);
    case "tenant-activity":
      return deps.arm.events(null, from, to);
    case "hunting": {
      const query = deps.huntingQueries.get(source.query);
      if (query === undefined) throw new Error(`no hunting query named ${source.query} in hunting/`);
      // One call answers the whole window (up to 100,000 rows).
      return (async function* () {
        yield await deps.directory.runHuntingQuery(queryForWindow(query, from, to));
      })();
    }
  }
}

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
  /** Rows a hunting query returns at most (Defender: 100,000); a window that fills it is read in halves. */
  huntingRowCap?: number;
}

/** Defender's advanced hunting API: "the results are limited to 100,000 rows" a query. */
export const HUNTING_ROW_CAP = 100_000;

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
      return huntInHalves(deps, query, from.getTime(), to.getTime(), deps.huntingRowCap ?? HUNTING_ROW_CAP);
    }
  }
}

/**
 * One query answers a window up to the row cap. A window that fills it may have been cut (Defender stops
 * at the cap and says nothing), so it is read again in two halves, each halved again as needed, down to
 * a second: a busy hour is read in pieces rather than truncated. Rows at the midpoint come in both halves
 * (`between` is inclusive); events are stored by id, so they are stored once.
 */
async function* huntInHalves(
  deps: PollDeps,
  query: HuntingQuery,
  from: number,
  to: number,
  cap: number,
): AsyncGenerator<Record<string, unknown>[]> {
  const rows = await deps.directory.runHuntingQuery(queryForWindow(query, new Date(from), new Date(to)));
  if (rows.length < cap || to - from <= 1_000) {
    if (rows.length >= cap)
      deps.log.warn(
        { from: new Date(from), to: new Date(to), rows: rows.length },
        "a hunting window of a second filled the row cap: rows past it are not read",
      );
    yield rows;
    return;
  }
  const middle = from + Math.floor((to - from) / 2);
  yield* huntInHalves(deps, query, from, middle, cap);
  yield* huntInHalves(deps, query, middle, to, cap);
}

import type { Stream } from "../scenarios/script.js";

/**
 * What the simulated tenant has logged, and when each record becomes readable. Microsoft's logs are not
 * readable the moment things happen (p95 about 2 minutes, sometimes 30): a record carries its own
 * timestamp and, separately, the wall time from which the API returns it. A late event is one whose
 * timestamp lies well before the time it becomes readable.
 */
export interface PublishedRecord {
  stream: Stream;
  /** The record's own timestamp, epoch ms. */
  time: number;
  /** From when the API returns it, epoch ms. */
  visibleAt: number;
  record: Record<string, unknown>;
  subscriptionId?: string;
  /** Identity of the event as Microsoft means it (ARM: operation; Graph: record id), for counting. */
  eventKey: string;
}

export interface PublishedLogsOptions {
  /**
   * Forget records whose timestamp is older than this, relative to the newest published (Microsoft keeps
   * 90 days; a long soak at thousands of events a second keeps minutes, to bound the simulator's memory).
   */
  retainMs?: number;
}

/** Records of one stream in one log (a subscription's, or the tenant-level one), kept in time order. */
type Shelf = PublishedRecord[];

export class PublishedLogs {
  /** By stream, then by subscription ("" for Graph logs and the tenant-level Activity Log). */
  private readonly shelves = new Map<Stream, Map<string, Shelf>>();
  /** How many records held share each event key: ARM's begin and end records are one event. */
  private readonly heldKeys = new Map<string, number>();
  private readonly distinct = new Map<Stream, number>();
  private newest = Number.NEGATIVE_INFINITY;
  private published = 0;
  private readonly snapshots = new Map<string, { records: PublishedRecord[]; usedAt: number }>();

  constructor(private readonly options: PublishedLogsOptions = {}) {}

  /** Every record held of one stream, each log's in time order: for a test to say which it misses. */
  held(stream: Stream): PublishedRecord[] {
    return [...(this.shelves.get(stream)?.values() ?? [])].flat();
  }

  publish(record: PublishedRecord): void {
    const byLog = this.shelves.get(record.stream) ?? new Map<string, Shelf>();
    this.shelves.set(record.stream, byLog);
    const logKey = record.subscriptionId ?? "";
    const shelf = byLog.get(logKey) ?? [];
    byLog.set(logKey, shelf);
    // Mostly published in time order: appended; a late one is placed where its timestamp says.
    if (shelf.length === 0 || (shelf.at(-1) as PublishedRecord).time <= record.time) shelf.push(record);
    else shelf.splice(firstAtOrAfter(shelf, record.time + 1), 0, record);
    const key = `${record.stream}\u0000${record.eventKey}`;
    const held = this.heldKeys.get(key) ?? 0;
    if (held === 0) this.distinct.set(record.stream, (this.distinct.get(record.stream) ?? 0) + 1);
    this.heldKeys.set(key, held + 1);
    this.newest = Math.max(this.newest, record.time);
    this.published += 1;
    // Forgetting cuts the front of each shelf, moving what stays: seldom, retention need not be exact.
    if (this.options.retainMs !== undefined && this.published % 20_000 === 0) this.forget();
  }

  /** Records readable at `now` whose timestamps fall in [from, to], newest first as the APIs return them. */
  query(
    stream: Stream,
    from: number,
    to: number,
    now: number,
    subscriptionId?: string | null,
  ): PublishedRecord[] {
    const byLog = this.shelves.get(stream);
    if (byLog === undefined) return [];
    const shelves =
      subscriptionId === undefined ? [...byLog.values()] : [byLog.get(subscriptionId ?? "") ?? []];
    const found: PublishedRecord[] = [];
    for (const shelf of shelves) {
      const end = firstAtOrAfter(shelf, to + 1);
      for (let i = firstAtOrAfter(shelf, from); i < end; i++) {
        const r = shelf[i] as PublishedRecord;
        if (r.visibleAt <= now) found.push(r);
      }
    }
    // Newest first; records of the same instant stay in the order they were logged (a stable sort).
    return found.sort((a, b) => b.time - a.time);
  }

  /**
   * `query` for an API that pages through the answer: the first page's request (`offset` 0) computes
   * it, the pages after it (same bounds, same `asOf` in their token) read that list again instead of
   * computing and sorting the whole window once per page, which at thousands of records a second made a
   * poll's cost grow with the square of its window (docs/reliability.md, Load). `narrow` filters further
   * (a Graph $filter on a field); its key names it.
   */
  snapshot(
    stream: Stream,
    from: number,
    to: number,
    asOf: number,
    offset: number,
    subscriptionId?: string | null,
    narrow?: { key: string; keep: (r: PublishedRecord) => boolean },
  ): PublishedRecord[] {
    const key = `${stream}|${subscriptionId}|${from}|${to}|${asOf}|${narrow?.key ?? ""}`;
    const cached = this.snapshots.get(key);
    const now = Date.now();
    if (cached !== undefined && offset > 0) {
      cached.usedAt = now;
      return cached.records;
    }
    const all = this.query(stream, from, to, asOf, subscriptionId);
    const records = narrow === undefined ? all : all.filter(narrow.keep);
    // A paging client reads on within seconds; a snapshot unused for a minute is done with.
    for (const [k, v] of this.snapshots) if (now - v.usedAt > 60_000) this.snapshots.delete(k);
    if (this.snapshots.size >= 64) this.snapshots.delete(this.snapshots.keys().next().value as string);
    this.snapshots.set(key, { records, usedAt: now });
    return records;
  }

  /** When each subscription's Activity Log was last read from its first page (the read's as-of time). */
  private readonly lastReads = new Map<string, number>();

  /** Notes a read of a subscription's Activity Log that began at `asOf` (its first page was answered). */
  noteRead(subscriptionId: string, asOf: number): void {
    this.lastReads.set(subscriptionId, Math.max(asOf, this.lastReads.get(subscriptionId) ?? 0));
  }

  /** When a read of this subscription's Activity Log last began, if ever. */
  lastRead(subscriptionId: string): number | undefined {
    return this.lastReads.get(subscriptionId);
  }

  /**
   * Events in a subscription's Activity Log that no read could have returned: readable only after its
   * last read began. Once the subscription has left the directory its log is out of reach, and these are
   * lost to the tenant (Warden's own writes just before a move, the move's own record).
   */
  unreadIn(subscriptionId: string): number {
    const lastRead = this.lastReads.get(subscriptionId) ?? Number.NEGATIVE_INFINITY;
    const shelf = this.shelves.get("activity")?.get(subscriptionId) ?? [];
    const readable = new Set(shelf.filter((r) => r.visibleAt <= lastRead).map((r) => r.eventKey));
    return new Set(shelf.filter((r) => !readable.has(r.eventKey)).map((r) => r.eventKey)).size;
  }

  /** Distinct events written so far (ARM begin and end records are one), per stream; forgotten ones count. */
  eventCount(stream?: Stream): number {
    if (stream !== undefined) return this.distinct.get(stream) ?? 0;
    let total = 0;
    for (const n of this.distinct.values()) total += n;
    return total;
  }

  private forget(): void {
    const before = this.newest - (this.options.retainMs ?? Number.POSITIVE_INFINITY);
    for (const [stream, byLog] of this.shelves) {
      for (const shelf of byLog.values()) {
        const cut = firstAtOrAfter(shelf, before);
        for (const r of shelf.splice(0, cut)) {
          const key = `${stream}\u0000${r.eventKey}`;
          const held = (this.heldKeys.get(key) ?? 1) - 1;
          if (held === 0) this.heldKeys.delete(key);
          else this.heldKeys.set(key, held);
        }
      }
    }
  }
}

/** Index of the first record at or after `time` in a time-ordered shelf. */
function firstAtOrAfter(shelf: Shelf, time: number): number {
  let lo = 0;
  let hi = shelf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((shelf[mid] as PublishedRecord).time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Microsoft's own identity of a record's event: ARM's begin and end records of one operation are one. */
export function eventKeyOf(stream: Stream, record: Record<string, unknown>): string {
  if (stream !== "activity") return String(record["id"]);
  const op = (record["operationName"] as { value?: string } | undefined)?.value ?? "";
  return `${String(record["correlationId"])}|${op.toLowerCase()}|${String(record["resourceId"]).toLowerCase()}`;
}

/** Sets a record's own timestamp fields, as each log names them. */
export function retime(
  stream: Stream,
  record: Record<string, unknown>,
  time: number,
  /** Where any other time the record names lands on the same clock (an alert's activity). */
  played: (t: number) => number = (t) => t,
): Record<string, unknown> {
  const iso = new Date(time).toISOString().replace("Z", "0000Z");
  switch (stream) {
    case "directoryAudits":
      return { ...record, activityDateTime: iso };
    case "signIns":
      return { ...record, createdDateTime: iso };
    case "riskDetections":
      return { ...record, detectedDateTime: iso, activityDateTime: iso, lastUpdatedDateTime: iso };
    case "activity":
      return { ...record, eventTimestamp: iso, submissionTimestamp: new Date(time + 60_000).toISOString() };
    case "alerts": {
      const at = (field: string) => new Date(played(Date.parse(String(record[field])))).toISOString();
      return {
        ...record,
        createdDateTime: iso,
        lastUpdateDateTime: iso,
        firstActivityDateTime: at("firstActivityDateTime"),
        lastActivityDateTime: at("lastActivityDateTime"),
      };
    }
  }
}

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

export class PublishedLogs {
  private readonly byStream = new Map<Stream, PublishedRecord[]>();

  publish(record: PublishedRecord): void {
    const list = this.byStream.get(record.stream) ?? [];
    list.push(record);
    this.byStream.set(record.stream, list);
  }

  /** Records readable at `now` whose timestamps fall in [from, to], newest first as the APIs return them. */
  query(
    stream: Stream,
    from: number,
    to: number,
    now: number,
    subscriptionId?: string | null,
  ): PublishedRecord[] {
    const list = this.byStream.get(stream) ?? [];
    return list
      .filter(
        (r) =>
          r.visibleAt <= now &&
          r.time >= from &&
          r.time <= to &&
          (subscriptionId === undefined || (r.subscriptionId ?? null) === subscriptionId),
      )
      .sort((a, b) => b.time - a.time);
  }

  /** Distinct events written so far (ARM begin and end records are one), per stream. */
  eventCount(stream?: Stream): number {
    const keys = new Set<string>();
    for (const [name, list] of this.byStream) {
      if (stream !== undefined && name !== stream) continue;
      for (const record of list) keys.add(`${record.stream}\u0000${record.eventKey}`);
    }
    return keys.size;
  }
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
  }
}

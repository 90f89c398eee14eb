import type { ScenarioRecord } from "../scenarios/script.js";
import type { SimDirectory } from "../tenant/directory.js";
import { eventKeyOf, type PublishedLogs, retime } from "./published-logs.js";

export interface PlaybackOptions {
  /** Wall time at which the day's first record happens. */
  startAt: number;
  /** How long the whole day takes on the wall clock. */
  durationMs: number;
  /** Every Nth record becomes readable late (0: none). */
  lateEvery?: number;
  /** How late: readable this long after its own timestamp. */
  lateByMs?: number;
  /**
   * A transfer to another directory is asynchronous: its activity record is written when the request is
   * accepted, and the subscription (with its log) leaves the tenant when the transfer completes, this long
   * after. Default: 10 s past the lateness, so a poller at the test's interval can read the record first.
   */
  transferCompletesAfterMs?: number;
  /**
   * The transfer's record becomes readable only once the subscription has left (Activity Log records are
   * often minutes late, a move may complete sooner): no poller of the tenant can ever read it.
   */
  transferReadableAfterMove?: boolean;
}

/**
 * Plays a scenario day into the published logs, compressed into `durationMs` of wall time: each record's
 * timestamp becomes the wall time it happens at, and it becomes readable then (or `lateByMs` later for a
 * late one), as the real APIs would show it to a poller. Returns how many events were written.
 */
export function playBack(
  logs: PublishedLogs,
  records: readonly ScenarioRecord[],
  options: PlaybackOptions,
  directory?: SimDirectory,
): number {
  const first = records[0]?.time ?? 0;
  const last = records.at(-1)?.time ?? first;
  const span = Math.max(1, last - first);
  const played = (t: number) => Math.round(options.startAt + ((t - first) / span) * options.durationMs);
  records.forEach((r, index) => {
    const time = played(r.time);
    // The tenant changes when the step happens, whenever its record becomes readable.
    let completes = 0;
    if (r.effect !== undefined) {
      if (r.effect.type === "subscription-moved")
        completes = options.transferCompletesAfterMs ?? (options.lateByMs ?? 0) + 10_000;
      directory?.schedule(time + completes, r.effect);
    }
    const late =
      options.lateEvery !== undefined &&
      options.lateEvery > 0 &&
      index % options.lateEvery === options.lateEvery - 1;
    const readableAfterMove = r.effect?.type === "subscription-moved" && options.transferReadableAfterMove;
    logs.publish({
      stream: r.stream,
      time,
      visibleAt: readableAfterMove ? time + completes + 1_000 : time + (late ? (options.lateByMs ?? 0) : 0),
      record: retime(r.stream, r.record, time, played),
      ...(r.subscriptionId === undefined ? {} : { subscriptionId: r.subscriptionId }),
      eventKey: eventKeyOf(r.stream, r.record),
    });
  });
  return logs.eventCount();
}

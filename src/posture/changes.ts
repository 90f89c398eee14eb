import { findingKey, type PostureFinding, type PostureReport } from "./types.js";

/** What changed since the report last posted: the card says this, and is posted only when it is not empty. */
export interface PostureChanges {
  /** First report ever posted for the tenant: everything is news. */
  first: boolean;
  opened: PostureFinding[];
  /** Findings of the last report no longer found by a check that read everything it needs. */
  closed: PostureFinding[];
  /** Still open, but worse or different: a higher severity, another exempted principal, a new problem. */
  changed: PostureFinding[];
  /** Checks whose reading changed: could not be read (or only in part) now but could before, or back. */
  readability: { check: string; now: "unreadable" | "partly read" | "readable" }[];
  /** Findings still open, unchanged. */
  still: number;
}

type Readability = "unreadable" | "partly read" | "readable";

function readabilityOf(report: PostureReport | undefined): Map<string, Readability> {
  return new Map(
    (report?.summary.unreadable ?? []).map(
      (u) => [u.check, u.partial ? "partly read" : "unreadable"] as const,
    ),
  );
}

/**
 * What makes a door the same door: its severity and words; a stale account's day count apart ("last
 * signed in 200 days ago" is the same door at 207). Other numbers ("and 2 more" exempted principals) are
 * news.
 */
const gist = (f: PostureFinding) =>
  `${f.severity}|${f.check === "stale-privileged-external" ? f.detail.replace(/\d+ days/g, "# days") : f.detail}`;

/**
 * Compares a report with the last one posted. A finding of a check that could not be read now, wholly or
 * in part, is not "closed" (Warden cannot tell): it is carried as still open (see carriedForward), and
 * the check's readability change is the news.
 */
export function postureChanges(before: PostureReport | undefined, now: PostureReport): PostureChanges {
  const readNow = readabilityOf(now);
  const readBefore = readabilityOf(before);
  const previous = new Map((before?.findings ?? []).map((f) => [findingKey(f), f]));
  const current = new Map(now.findings.map((f) => [findingKey(f), f]));
  const opened = now.findings.filter((f) => !previous.has(findingKey(f)));
  const changed = now.findings.filter((f) => {
    const was = previous.get(findingKey(f));
    return was !== undefined && gist(was) !== gist(f);
  });
  const closed = [...previous.values()].filter((f) => !current.has(findingKey(f)) && !readNow.has(f.check));
  const checks = new Set([...readNow.keys(), ...readBefore.keys()]);
  const readability = [...checks]
    .map((check) => ({ check, now: readNow.get(check) ?? ("readable" as const) }))
    .filter(({ check, now: state }) => (readBefore.get(check) ?? "readable") !== state);
  return {
    first: before === undefined,
    opened,
    closed,
    changed,
    readability,
    still: now.findings.length - opened.length - changed.length,
  };
}

/** Whether the changes are worth a card: anything opened, closed or changed, or a check's reading. */
export function anythingChanged(changes: PostureChanges): boolean {
  return (
    changes.first ||
    changes.opened.length > 0 ||
    changes.closed.length > 0 ||
    changes.changed.length > 0 ||
    changes.readability.length > 0
  );
}

/**
 * The report to keep as "last posted": what was found now, plus the earlier findings of checks that could
 * not be read now (wholly or in part) and that were not found again, so that a check unreadable for a
 * week does not make its doors look new, or closed, after.
 */
export function carriedForward(before: PostureReport | undefined, now: PostureReport): PostureReport {
  const readNow = readabilityOf(now);
  const current = new Set(now.findings.map(findingKey));
  const kept = (before?.findings ?? []).filter((f) => readNow.has(f.check) && !current.has(findingKey(f)));
  return kept.length === 0 ? now : { ...now, findings: [...now.findings, ...kept] };
}

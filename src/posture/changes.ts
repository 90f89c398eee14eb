import { findingKey, type PostureFinding, type PostureReport } from "./types.js";

/** What changed since the report last posted: the card says this, and is posted only when it is not empty. */
export interface PostureChanges {
  /** First report ever posted for the tenant: everything is news. */
  first: boolean;
  opened: PostureFinding[];
  /** Findings of the last report no longer found by a check that read everything it needs. */
  closed: PostureFinding[];
  /** Checks that could not be read now but could before, or the other way round. */
  readability: { check: string; now: "unreadable" | "readable" }[];
  /** Findings still open, unchanged. */
  still: number;
}

/**
 * Compares a report with the last one posted. A finding of a check that could not be read now is not
 * "closed" (Warden cannot tell); it is carried as still open, and the check's readability change is news.
 */
export function postureChanges(before: PostureReport | undefined, now: PostureReport): PostureChanges {
  const unreadNow = new Set<string>(now.summary.unreadable.filter((u) => !u.partial).map((u) => u.check));
  const unreadBefore = new Set<string>(
    before?.summary.unreadable.filter((u) => !u.partial).map((u) => u.check) ?? [],
  );
  const previous = new Map((before?.findings ?? []).map((f) => [findingKey(f), f]));
  const current = new Map(now.findings.map((f) => [findingKey(f), f]));
  const opened = now.findings.filter((f) => !previous.has(findingKey(f)));
  const closed = [...previous.values()].filter((f) => !current.has(findingKey(f)) && !unreadNow.has(f.check));
  const readability = [
    ...[...unreadNow]
      .filter((c) => !unreadBefore.has(c))
      .map((check) => ({ check, now: "unreadable" as const })),
    ...[...unreadBefore]
      .filter((c) => !unreadNow.has(c))
      .map((check) => ({ check, now: "readable" as const })),
  ];
  return {
    first: before === undefined,
    opened,
    closed,
    readability,
    still: now.findings.length - opened.length,
  };
}

/** Whether the changes are worth a card: anything opened, closed, or a check gone unreadable or back. */
export function anythingChanged(changes: PostureChanges): boolean {
  return (
    changes.first || changes.opened.length > 0 || changes.closed.length > 0 || changes.readability.length > 0
  );
}

/**
 * The report to keep as "last posted": what was found now, plus the earlier findings of checks that
 * could not be read now, so that a check unreadable for a week does not make its doors look new after.
 */
export function carriedForward(before: PostureReport | undefined, now: PostureReport): PostureReport {
  const unreadNow = new Set<string>(now.summary.unreadable.filter((u) => !u.partial).map((u) => u.check));
  const kept = (before?.findings ?? []).filter((f) => unreadNow.has(f.check));
  return kept.length === 0 ? now : { ...now, findings: [...now.findings, ...kept] };
}

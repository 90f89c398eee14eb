import type { ExpirationRule, PimExpiration } from "../cloud/pim.js";

/**
 * How a grant Warden took away comes back on undo: until it would have ended anyway, never for longer
 * than the role's settings now allow, and with an expiry where the settings require one (issue 18,
 * point 9: not `noExpiration` by default). "expired": it would have ended by now, there is nothing to
 * give back.
 */
export function restoredExpiry(
  originalEnd: string | null,
  rule: ExpirationRule | undefined,
  now: number,
): PimExpiration | "expired" {
  const maxMs = rule === undefined ? undefined : isoDurationMs(rule.maximumDuration);
  if (originalEnd === null) {
    return rule?.isExpirationRequired === true
      ? { type: "afterDuration", duration: rule.maximumDuration }
      : { type: "noExpiration" };
  }
  const end = Date.parse(originalEnd);
  // A minute's margin: PIM refuses a schedule that ends before it starts.
  if (Number.isNaN(end) || end <= now + 60_000) return "expired";
  if (maxMs !== undefined && rule !== undefined && end - now > maxMs) {
    return { type: "afterDuration", duration: rule.maximumDuration };
  }
  return { type: "afterDateTime", endDateTime: new Date(end).toISOString() };
}

/** When a schedule ends, from Graph's `scheduleInfo` (null: never; undefined start: unknown → never). */
export function scheduleEnd(info: {
  startDateTime?: string | null;
  expiration?: { type?: string; endDateTime?: string | null; duration?: string | null };
}): string | null {
  const e = info.expiration;
  if (typeof e?.endDateTime === "string") return e.endDateTime;
  if (e?.type?.toLowerCase() === "afterduration" && typeof e.duration === "string" && info.startDateTime) {
    const ms = isoDurationMs(e.duration);
    const start = Date.parse(info.startDateTime);
    if (ms !== undefined && !Number.isNaN(start)) return new Date(start + ms).toISOString();
  }
  return null;
}

const PARTS = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** An ISO 8601 duration in ms (years as 365 days, months as 30), as PIM writes its maxima; else undefined. */
export function isoDurationMs(text: string): number | undefined {
  const m = PARTS.exec(text);
  if (m === null || text === "P" || text.endsWith("T")) return undefined;
  return m.slice(1).reduce((sum, v, i) => sum + Number(v ?? 0) * (UNIT_MS[i] ?? 0), 0);
}

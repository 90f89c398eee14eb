/**
 * Microsoft's logs write time several ways: ISO with seven fractional digits (Graph, ARM), a space and
 * nine digits with no zone (diagnostic-settings exports), no zone at all (unified audit log). All are UTC.
 * Date.parse would read the zone-less ones as local time, so this parser fixes them to UTC itself.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch milliseconds, or undefined when the value is not a timestamp. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = TIMESTAMP.exec(value.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const millis = fraction === undefined ? 0 : Number(`${fraction}00`.slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), millis);
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isFinite(time) ? time : undefined;
}

export function toIso(time: number): string {
  return new Date(time).toISOString();
}

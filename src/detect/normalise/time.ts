/**
 * Microsoft's logs write time several ways: ISO with seven fractional digits (Graph, ARM), a space and
 * nine digits with no zone (diagnostic-settings exports), no zone at all (unified audit log), an hour
 * without its leading zero (`2022-09-09T8:48:50.361Z` in a real Event Hub risk record), and the US form
 * `8/22/2022 6:07:16 PM` (the same records' top-level `time`). All are UTC. Date.parse would read the
 * zone-less ones as local time, so this parser fixes them to UTC itself.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
// Only with AM or PM, as Microsoft writes it: "05/03/2024 13:00" could be March or May.
const US_TIMESTAMP = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?(AM|PM)$/i;
/** Before this no log Warden reads was written: an earlier year is a placeholder (0001-01-01), not a time. */
const EARLIEST_YEAR = 1990;

/** Epoch milliseconds, or undefined when the value is not a timestamp. */
export function parseTime(value: unknown): number | undefined {
  // The Azure SDK deserialises timestamps into Date objects.
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  if (typeof value !== "string") return undefined;
  // Windows PowerShell 5.1's ConvertTo-Json writes a DateTime as "/Date(1662713330361)/".
  const msJson = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (msJson !== null)
    return Number(msJson[1]) >= Date.UTC(EARLIEST_YEAR, 0, 1) ? Number(msJson[1]) : undefined;
  const fast = parseIsoUtc(value);
  if (fast !== undefined) return fast;
  const match = TIMESTAMP.exec(value.trim());
  if (match === null) return parseUsTime(value.trim());
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const millis = fraction === undefined ? 0 : Number(`${fraction}00`.slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), millis);
  if (
    valid(time, {
      month: Number(mo),
      day: Number(d),
      hour: Number(h),
      minute: Number(mi),
      second: Number(s ?? 0),
    }) === undefined
  )
    return undefined;
  if (Number(y) < EARLIEST_YEAR) return undefined;
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    // UTC offsets run from -12:00 to +14:00.
    if (Number(digits.slice(0, 2)) > 14 || Number(digits.slice(2, 4)) > 59) return undefined;
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isFinite(time) ? time : undefined;
}

/** `M/D/YYYY h:mm:ss AM|PM` (or 24-hour without AM/PM), UTC. */
function parseUsTime(text: string): number | undefined {
  const m = US_TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [, mo, d, y, h, mi, s, half = ""] = m;
  let hour = Number(h);
  if (hour < 1 || hour > 12 || Number(y) < EARLIEST_YEAR) return undefined;
  hour = (hour % 12) + (half.toUpperCase() === "PM" ? 12 : 0);
  return valid(Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, Number(mi), Number(s ?? 0)), {
    month: Number(mo),
    day: Number(d),
    hour,
    minute: Number(mi),
    second: Number(s ?? 0),
  });
}

/** A time whose fields were out of range (month 13, hour 25) is not a time: Date.UTC would roll it over. */
function valid(
  time: number,
  f: { month: number; day: number; hour: number; minute: number; second: number },
): number | undefined {
  if (!Number.isFinite(time)) return undefined;
  const t = new Date(time);
  return t.getUTCMonth() + 1 === f.month &&
    t.getUTCDate() === f.day &&
    t.getUTCHours() === f.hour &&
    t.getUTCMinutes() === f.minute &&
    t.getUTCSeconds() === f.second
    ? time
    : undefined;
}

export function toIso(time: number): string {
  return new Date(time).toISOString();
}

/**
 * The common case, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read digit by digit: it is on every record, and
 * this is several times faster than the regular expression. Anything else falls through to it.
 */
function parseIsoUtc(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return undefined;
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const d = (i: number) => text.charCodeAt(i) - 48;
  const digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
  for (const i of digits) {
    const v = d(i);
    if (v < 0 || v > 9) return undefined;
  }
  let millis = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined;
    let scale = 100;
    for (let i = 20; i < n - 1; i++) {
      const v = d(i);
      if (v < 0 || v > 9) return undefined;
      millis += v * scale;
      scale /= 10;
    }
    millis = Math.floor(millis);
  }
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  if (year < EARLIEST_YEAR) return undefined;
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  // Out of range is not a time (Date.UTC would roll 2022-13-09 into 2023): checked without a Date.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > days) return undefined;
  if (d(11) * 10 + d(12) > 23 || d(14) * 10 + d(15) > 59 || d(17) * 10 + d(18) > 59) return undefined;
  const time = Date.UTC(
    year,
    month - 1,
    day,
    d(11) * 10 + d(12),
    d(14) * 10 + d(15),
    d(17) * 10 + d(18),
    millis,
  );
  return Number.isFinite(time) ? time : undefined;
}

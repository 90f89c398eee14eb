/**
 * Defensive readers for untyped JSON. Microsoft's exports vary in key casing (`type`/`Type`,
 * `properties`/`Properties`) and sometimes carry nested JSON as a string (Log Analytics dynamic columns,
 * ARM request bodies); these readers absorb that so the mappers stay readable.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `name`, then the same name with its first letter in the other case. */
export function field(record: JsonObject, name: string): unknown {
  const direct = record[name];
  if (direct !== undefined) return direct;
  const first = name.charAt(0);
  const flipped = (first === first.toUpperCase() ? first.toLowerCase() : first.toUpperCase()) + name.slice(1);
  return record[flipped];
}

/**
 * The longest text Warden keeps from one field of a log record. Microsoft writes far less in any field
 * detection reads (a display name holds at most 256 characters, a UPN 113, a resource id or scope what
 * an ARM request URL can carry), so only a forged or broken record reaches it. Longer values are cut
 * here, where every string is read, rather than the record skipped: a record padded to be skipped would
 * hide what it logs, while a cut value is still judged, and a cut scope is a prefix of its path, so it
 * can only read as broader (more severe), never narrower. Every parser after this sees bounded text.
 */
export const MAX_FIELD_CHARS = 8_192;

/** `text`, cut to MAX_FIELD_CHARS. */
export function capped(text: string): string {
  return text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text;
}

/** A non-empty string (a number as its text), cut to MAX_FIELD_CHARS; undefined for anything else. */
export function str(value: unknown): string | undefined {
  if (typeof value === "string") return value.length > 0 ? capped(value) : undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

export function strField(record: JsonObject, name: string): string | undefined {
  return str(field(record, name));
}

/** An object, or a JSON string holding one (dynamic columns, request bodies). */
export function obj(value: unknown): JsonObject | undefined {
  if (isObject(value)) return value;
  if (typeof value === "string" && value.length > 1 && value.charCodeAt(0) === 123 /* { */) {
    try {
      const parsed: unknown = JSON.parse(value);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A finite number, from a number or its text ("10", as some exports write numeric columns). */
export function num(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** An array, or a JSON string holding one. */
export function arr(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string" && value.length > 1 && value.charCodeAt(0) === 91 /* [ */) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }
  return [];
}

export function objects(value: unknown): JsonObject[] {
  return arr(value).filter(isObject);
}

/**
 * Audit-log property values are JSON-encoded: `"\"Global Administrator\""`, `"[\"Guest\"]"`, `"[true]"`.
 * The unified audit log sends them plain. Returns the first scalar, as a string, either way.
 */
export function auditValue(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === "boolean") return String(raw);
  let value: unknown = raw;
  if (typeof raw === "string") {
    const trimmed = raw.trim();
    const first = trimmed.charCodeAt(0);
    if (first === 34 /* " */ || first === 91 /* [ */) {
      try {
        value = JSON.parse(trimmed);
      } catch {
        value = trimmed;
      }
    } else {
      value = trimmed;
    }
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === "boolean") return String(value);
  return str(value);
}

/** 8-4-4-4-12 hex digits. Checked by hand: it runs on every id of every record, faster than a regex. */
export function isGuid(value: string | undefined): value is string {
  if (value === undefined || value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}

/** A GUID in lower case, or undefined when the value is not one. */
export function guid(value: unknown): string | undefined {
  const text = str(value);
  return isGuid(text) ? text.toLowerCase() : undefined;
}

/** The GUID at the end of a resource id such as `/subscriptions/x/providers/.../roleDefinitions/{guid}`. */
export function lastGuid(value: unknown): string | undefined {
  // The end of the whole value, not of its capped start: the id is what ends it, however long the path.
  if (typeof value !== "string") return undefined;
  return guid(value.slice(value.lastIndexOf("/") + 1));
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** An IP address, or undefined for redactions such as `<Redacted>` and for empty values. */
export function ipAddress(value: unknown): string | undefined {
  const text = str(value)?.trim();
  if (text === undefined) return undefined;
  if (IPV4.test(text)) return text;
  if (text.includes(":") && /^[0-9a-f:.]+$/i.test(text)) return text.toLowerCase();
  return undefined;
}

/** The subscription id inside a resource id or scope, lower-case. */
export function subscriptionOf(resourceId: string | undefined): string | undefined {
  if (resourceId === undefined) return undefined;
  const match = /\/subscriptions\/([0-9a-f-]{36})/i.exec(resourceId);
  return match?.[1]?.toLowerCase();
}

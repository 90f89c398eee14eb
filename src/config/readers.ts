/**
 * The readers every setting goes through: one error type, one GUID pattern, one way to spell a boolean.
 * Each reader names the variable at fault and what to write instead.
 */

/** Thrown for a setting that cannot be used; the message names the variable and what to write. */
export class ConfigError extends Error {}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A variable's value; unset and empty are the same. */
export type EnvValue = (name: string) => string | undefined;

export function envValue(env: NodeJS.ProcessEnv): EnvValue {
  return (name) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
}

/** Comma-separated items, trimmed, empty ones dropped. */
export function list(value: EnvValue, name: string): string[] {
  return (value(name) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** One GUID, lower-cased; `what` says whose id it is. */
export function guid(value: EnvValue, name: string, what: string): string | undefined {
  const raw = value(name);
  if (raw === undefined) return undefined;
  if (!GUID.test(raw)) throw new ConfigError(`${name} must be ${what} (a GUID), got "${raw}"`);
  return raw.toLowerCase();
}

/** Object ids separated by commas, lower-cased. */
export function guids(value: EnvValue, name: string): string[] {
  const items = list(value, name);
  const bad = items.find((i) => !GUID.test(i));
  if (bad !== undefined)
    throw new ConfigError(`${name} takes object ids (GUIDs) separated by commas; "${bad}" is not one`);
  return items.map((i) => i.toLowerCase());
}

/** true/false, 1/0, on/off, yes/no, any case. */
export function bool(value: EnvValue, name: string, fallback: boolean): boolean {
  const raw = value(name);
  if (raw === undefined) return fallback;
  if (["1", "true", "on", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "off", "no"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function oneOf<T extends string>(
  value: EnvValue,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = value(name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

/** Items each of `allowed`, separated by commas; `fallback` when none is given. */
export function oneOfEach<T extends string>(
  value: EnvValue,
  name: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  const items = list(value, name);
  if (items.length === 0) return [...fallback];
  const bad = items.find((i) => !(allowed as readonly string[]).includes(i));
  if (bad !== undefined) throw new ConfigError(`${name}: "${bad}" is not one of ${allowed.join(", ")}`);
  return items as T[];
}

export function positive(value: EnvValue, name: string, fallback: number): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/** A count of requests: "0.5" floored to 0 would answer every request 429, Teams' too. */
export function count(value: EnvValue, name: string, fallback: number): number {
  const n = positive(value, name, fallback);
  if (!Number.isInteger(n))
    throw new ConfigError(`${name} must be a whole number of at least 1, got "${value(name)}"`);
  return n;
}

/** A TCP port; 0 lets the system choose a free one (several workers on one machine). */
export function portNumber(value: EnvValue, name: string, fallback: number): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ConfigError(`${name} must be a port number from 0 to 65535 (0: any free port), got "${raw}"`);
  return n;
}

import type { Request } from "express";
import { singleParam } from "../cloud/http-helpers.js";

/**
 * The query options `GET /reports/authenticationMethods/userRegistrationDetails` accepts, and the 400s for
 * the rest. Sources:
 * - "List userRegistrationDetails": "This method supports only the `$filter` and `$orderBy` OData query
 *   parameters"; `$filter` on isMfaCapable, isMfaRegistered, isSsprEnabled, isSsprRegistered (eq),
 *   methodsRegistered, userDisplayName and userPrincipalName (eq, startswith; "Supports case insensitive");
 *   the beta page writes the collection test as `methodsRegistered/any(x:x eq 'email')`.
 * - userRegistrationDetails resource: isPasswordlessCapable, isSsprCapable,
 *   isSystemPreferredAuthenticationMethodEnabled (eq); systemPreferredAuthenticationMethods (any with eq);
 *   `$orderby` on userDisplayName and userPrincipalName only.
 * - graph-v1.0.csdl annotations on userRegistrationDetails: Filterable (no property excluded),
 *   TopSupported true, SkipSupported false. So `$top` pages (with a skip token in the nextLink), `$skip`
 *   is refused, and `isAdmin`, `userType` and `id` may be filtered with eq (isAdmin eq true is also how
 *   admin-only reports are commonly read).
 * - `$select`, `$count`, `$search`, `$expand`: not in the list page's "only" list. Graph's answer to them
 *   is not documented; the simulator refuses them, so that a client works whether Graph ignores or
 *   refuses them.
 */

type Row = Record<string, unknown>;
type Test = (row: Row) => boolean;

const BOOLEAN = [
  "isAdmin",
  "isMfaCapable",
  "isMfaRegistered",
  "isPasswordlessCapable",
  "isSsprCapable",
  "isSsprEnabled",
  "isSsprRegistered",
  "isSystemPreferredAuthenticationMethodEnabled",
];
const STARTS_WITH = ["userPrincipalName", "userDisplayName"];
const TEXT = [...STARTS_WITH, "userType", "id"];
const COLLECTIONS = ["methodsRegistered", "systemPreferredAuthenticationMethods"];
const ORDERABLE = ["userPrincipalName", "userDisplayName"];
/** Query options the list takes: the documented ones, `$top` (csdl) and the skip token of its own nextLink. */
const ACCEPTED = new Set(["$filter", "$orderby", "$top", "$skiptoken"]);

const canonical = (names: readonly string[], name: string) =>
  names.find((n) => n.toLowerCase() === name.toLowerCase());
const lower = (v: unknown) => String(v ?? "").toLowerCase();

/** The first query option the list does not take, if any. */
export function unsupportedOption(req: Request): string | undefined {
  return Object.keys(req.query).find((k) => k.startsWith("$") && !ACCEPTED.has(k.toLowerCase()));
}

/** Keys starting with `$`: the get-one page takes none ("does not support the OData query parameters"). */
export function anyOption(req: Request): string | undefined {
  return Object.keys(req.query).find((k) => k.startsWith("$"));
}

/** `$orderby`/`$orderBy` and `$filter` whatever their case: Graph's system query options are not case-sensitive. */
function option(req: Request, name: string): string | undefined {
  const key = Object.keys(req.query).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : singleParam(req.query[key]);
}

/** Splits on ` and ` outside quoted literals. */
function clauses(filter: string): string[] {
  const literals: string[] = [];
  const masked = filter.replace(/'(?:[^']|'')*'/g, (m) => `\uE000${literals.push(m) - 1}\uE000`);
  return masked
    .split(/\s+and\s+/i)
    .map((c) => c.trim().replace(/\uE000(\d+)\uE000/g, (_m, i: string) => literals[Number(i)] ?? ""));
}

const unquote = (text: string) => text.slice(1, -1).replace(/''/g, "'");

function clauseTest(clause: string): Test | string {
  const any = /^(\w+)\/any\(\s*(\w+)\s*:\s*(\w+)\s+eq\s+('(?:[^']|'')*')\s*\)$/i.exec(clause);
  if (any !== null) {
    const name = canonical(COLLECTIONS, any[1] ?? "");
    if (name === undefined || any[2] !== any[3]) return `Unsupported filter clause: '${clause}'.`;
    const wanted = lower(unquote(any[4] ?? "''"));
    return (row) => ((row[name] as unknown[]) ?? []).some((v) => lower(v) === wanted);
  }
  const starts = /^startswith\(\s*(\w+)\s*,\s*('(?:[^']|'')*')\s*\)$/i.exec(clause);
  if (starts !== null) {
    const name = canonical(STARTS_WITH, starts[1] ?? "");
    if (name === undefined) return `startswith is not supported on '${starts[1]}'.`;
    const prefix = lower(unquote(starts[2] ?? "''"));
    return (row) => lower(row[name]).startsWith(prefix);
  }
  const eq = /^(\w+)\s+eq\s+('(?:[^']|'')*'|true|false)$/i.exec(clause);
  if (eq === null)
    return `Unsupported filter clause: '${clause}'. Only eq, startswith and any(x: x eq ...) joined by 'and' are supported.`;
  const literal = eq[2] ?? "";
  const bool = canonical(BOOLEAN, eq[1] ?? "");
  if (bool !== undefined) {
    if (literal.startsWith("'")) return `'${bool}' is a Boolean: compare it with true or false.`;
    const value = literal.toLowerCase() === "true";
    return (row) => row[bool] === value;
  }
  if (canonical(COLLECTIONS, eq[1] ?? "") !== undefined) {
    return `'${eq[1]}' is a collection: use ${eq[1]}/any(x: x eq 'value').`;
  }
  const text = canonical(TEXT, eq[1] ?? "");
  if (text === undefined)
    return `Unsupported or invalid query filter clause specified for property '${eq[1]}'.`;
  if (!literal.startsWith("'")) return `'${text}' is a string: quote the value.`;
  const value = lower(unquote(literal));
  return (row) => lower(row[text]) === value;
}

/** The list's `$filter` as a predicate, or the reason Graph refuses it. */
export function registrationFilter(req: Request): Test | { error: string } {
  const filter = option(req, "$filter");
  if (filter === undefined || filter.trim() === "") return () => true;
  const tests: Test[] = [];
  for (const clause of clauses(filter)) {
    const test = clauseTest(clause);
    if (typeof test === "string") return { error: test };
    tests.push(test);
  }
  return (row) => tests.every((t) => t(row));
}

/** The list's `$orderby` as a comparator (none: the directory's order), or the reason Graph refuses it. */
export function registrationOrder(
  req: Request,
): ((a: Row, b: Row) => number) | undefined | { error: string } {
  const orderby = option(req, "$orderby");
  if (orderby === undefined || orderby.trim() === "") return undefined;
  const keys: { name: string; sign: number }[] = [];
  for (const part of orderby.split(",")) {
    const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(part);
    const name = canonical(ORDERABLE, m?.[1] ?? "");
    if (m === null || name === undefined) {
      return {
        error: `$orderby is supported on userPrincipalName and userDisplayName only, not '${part.trim()}'.`,
      };
    }
    keys.push({ name, sign: m[2]?.toLowerCase() === "desc" ? -1 : 1 });
  }
  return (a, b) => {
    for (const { name, sign } of keys) {
      const c = lower(a[name]).localeCompare(lower(b[name]));
      if (c !== 0) return c * sign;
    }
    return 0;
  };
}

import type { Request } from "express";
import { nextLinkFor, readPageToken, singleParam, writePageToken } from "../cloud/http-helpers.js";

/**
 * The slice of OData that Graph's directory endpoints accept and Warden sends: `$filter` with `eq`, `in`
 * and `startswith` joined by `and`, `$select`, `$top` and `$skiptoken` paging. Anything else is refused as
 * Graph refuses it, with a 400 that names the problem.
 */

type Row = Record<string, unknown>;
export type Predicate = (row: Row) => boolean;

const LITERAL = String.raw`'(?:[^']|'')*'|true|false|null|-?\d+`;
const EQ = new RegExp(String.raw`^(\w+)\s+(eq|ne)\s+(${LITERAL})$`, "i");
const IN = new RegExp(String.raw`^(\w+)\s+in\s+\(((?:\s*(?:${LITERAL})\s*,?)*)\)$`, "i");
const STARTS = /^startswith\(\s*(\w+)\s*,\s*('(?:[^']|'')*')\s*\)$/i;

function literal(text: string): unknown {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  return Number(text);
}

function property(row: Row, name: string): unknown {
  if (name in row) return row[name];
  const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : row[key];
}

function same(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Parses a `$filter` over the given properties; returns an error message Graph-style when it cannot. */
export function parseFilter(
  filter: string | undefined,
  allowed: readonly string[],
): Predicate | { error: string } {
  if (filter === undefined || filter.trim() === "") return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((c) => c.trim());
  const tests: Predicate[] = [];
  const known = (name: string) => allowed.some((a) => a.toLowerCase() === name.toLowerCase());
  for (const clause of clauses) {
    const eq = EQ.exec(clause);
    const inList = IN.exec(clause);
    const starts = STARTS.exec(clause);
    const name = eq?.[1] ?? inList?.[1] ?? starts?.[1];
    if (name === undefined) return { error: `Invalid filter clause: '${clause}' is not supported.` };
    if (!known(name))
      return { error: `Unsupported or invalid query filter clause specified for property '${name}'.` };
    if (eq !== null) {
      const value = literal(eq[3] ?? "");
      const negate = eq[2]?.toLowerCase() === "ne";
      tests.push((row) => same(property(row, name), value) !== negate);
    } else if (inList !== null) {
      const values = [...(inList[2] ?? "").matchAll(new RegExp(LITERAL, "g"))].map((m) => literal(m[0]));
      if (values.length > 15) return { error: "Too many values in an 'in' clause: at most 15." };
      tests.push((row) => values.some((v) => same(property(row, name), v)));
    } else if (starts !== null) {
      const prefix = String(literal(starts[2] ?? "")).toLowerCase();
      tests.push((row) =>
        String(property(row, name) ?? "")
          .toLowerCase()
          .startsWith(prefix),
      );
    }
  }
  return (row) => tests.every((t) => t(row));
}

/** Applies `$select` (always keeping `id`), as Graph does. */
export function select(row: Row, req: Request): Row {
  const raw = singleParam(req.query["$select"]);
  if (raw === undefined || raw.trim() === "") return row;
  const names = raw.split(",").map((n) => n.trim());
  const out: Row = {};
  for (const name of ["id", ...names]) {
    const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) out[key] = row[key];
  }
  return out;
}

/** One page of rows with Graph's `@odata.nextLink` (absolute, with `/v1.0/`) when more remain. */
export function page(
  rows: readonly Row[],
  req: Request,
  baseUrl: string,
  options: { defaultTop: number; maxTop: number; context: string },
): { body: Row } | { error: string } {
  const topRaw = singleParam(req.query["$top"]);
  const top = topRaw === undefined ? options.defaultTop : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > options.maxTop) {
    return {
      error: `Invalid page size specified: '${topRaw}'. Must be between 1 and ${options.maxTop} inclusive.`,
    };
  }
  const token = readPageToken(req, "$skiptoken") ?? { offset: 0, asOf: 0 };
  const slice = rows.slice(token.offset, token.offset + top).map((r) => select(r, req));
  const body: Row = { "@odata.context": `${baseUrl}/v1.0/$metadata#${options.context}`, value: slice };
  if (token.offset + top < rows.length) {
    body["@odata.nextLink"] = nextLinkFor(
      baseUrl,
      req,
      "$skiptoken",
      writePageToken({ offset: token.offset + top, asOf: token.asOf }),
    );
  }
  return { body };
}

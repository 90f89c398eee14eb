import { randomUUID } from "node:crypto";
import type { Request, Response } from "express";

/** Graph's error body: `{"error":{"code","message","innerError":{"request-id","date"}}}`. */
export function graphError(
  res: Response,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res
    .status(status)
    .set(headers)
    .json({
      error: {
        code,
        message,
        innerError: { "request-id": randomUUID(), date: new Date().toISOString().slice(0, 19) },
      },
    });
}

/** ARM's error body: `{"error":{"code","message"}}`. */
export function armError(
  res: Response,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.status(status).set(headers).json({ error: { code, message } });
}

/** ARM refuses a request without `api-version` with this error; true when the request has one. */
export function needsVersion(req: Request, res: Response): boolean {
  if (singleParam(req.query["api-version"]) !== undefined) return true;
  armError(
    res,
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
  return false;
}

/** The time bounds of an OData `$filter` on one field: Graph writes `field ge 2026-...Z`, ARM quotes the value. */
export function timeBounds(
  filter: string | undefined,
  fieldName: string,
): { from: number; to: number } | { error: string } {
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  if (filter === undefined || filter.trim() === "") return { from, to };
  const clause = /(\w+)\s+(ge|gt|le|lt)\s+'?([0-9][0-9T:.+\-Z]*)'?/gi;
  let matched = false;
  for (const m of filter.matchAll(clause)) {
    const [, field = "", op = "", value = ""] = m;
    if (field.toLowerCase() !== fieldName.toLowerCase())
      return { error: `Invalid filter clause: unsupported property '${field}'` };
    const time = Date.parse(value);
    if (Number.isNaN(time)) return { error: `Invalid filter clause: '${value}' is not a DateTimeOffset` };
    matched = true;
    if (op === "ge") from = Math.max(from, time);
    if (op === "gt") from = Math.max(from, time + 1);
    if (op === "le") to = Math.min(to, time);
    if (op === "lt") to = Math.min(to, time - 1);
  }
  if (!matched) return { error: `Invalid filter clause: expected '${fieldName} ge <time>'` };
  return { from, to };
}

/** Paging state carried in the skip token: the offset and the moment of the first page (a stable snapshot). */
export interface PageToken {
  offset: number;
  asOf: number;
  /** ARM keeps the query's window in its opaque skip token; its SDK re-sends $filter beside it. */
  from?: number;
  to?: number;
}

export function readPageToken(req: Request, name: string): PageToken | undefined {
  const raw = req.query[name];
  if (typeof raw !== "string") return undefined;
  try {
    const token = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as PageToken;
    return Number.isInteger(token.offset) && Number.isFinite(token.asOf) ? token : undefined;
  } catch {
    return undefined;
  }
}

export function writePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

/** The request's own URL with one query parameter replaced: for nextLinks, which must be absolute https. */
export function nextLinkFor(baseUrl: string, req: Request, name: string, value: string): string {
  const url = new URL(req.originalUrl, baseUrl);
  url.searchParams.set(name, value);
  return url.toString();
}

/** One query parameter as a string; the same value sent twice counts as one, different values as none. */
export function singleParam(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v === value[0]) &&
    typeof value[0] === "string"
  ) {
    return value[0];
  }
  return undefined;
}

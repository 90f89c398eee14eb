import express, { Router } from "express";
import { queryName } from "../../hunting/seed-queries.js";
import { graphError } from "../cloud/http-helpers.js";
import type { PublishedLogs } from "../cloud/published-logs.js";
import { cloudAppEvent } from "../records/export-shapes.js";
import type { SimTenant } from "../records/people.js";

const WINDOW = /Timestamp\s+between\s*\(\s*datetime\(([^)]+)\)\s*\.\.\s*datetime\(([^)]+)\)\s*\)/i;
// The list of quoted names, whatever parentheses the names themselves hold ("... (permanent).").
const ACTION_TYPES = /ActionType\s+in~?\s*\(((?:\s*"[^"]*"\s*,?)*)\)/i;

const SCHEMA = [
  { name: "Timestamp", type: "DateTime" },
  { name: "ActionType", type: "String" },
  { name: "Application", type: "String" },
  { name: "ApplicationId", type: "Int32" },
  { name: "AccountObjectId", type: "String" },
  { name: "AccountDisplayName", type: "String" },
  { name: "IPAddress", type: "String" },
  { name: "ReportId", type: "String" },
  { name: "RawEventData", type: "Object" },
];

/**
 * Defender's `security/runHuntingQuery`, answering Warden's own seed queries (hunting/*.kql) from the
 * simulated tenant's directory audit records, as CloudAppEvents rows. It reads the query's time window
 * and ActionType list; it does not parse KQL in general, and says so for any other query.
 */
export function huntingRoute(
  logs: PublishedLogs,
  tenant: SimTenant,
  now: () => number,
  /** Defender's cap on a query's rows (src/sim/cloud/documented-limits.ts). */
  rowCap: () => number,
): Router {
  const router = Router();
  router.post("/v1.0/security/runHuntingQuery", express.json({ limit: "1mb" }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const query = body["Query"] ?? body["query"];
    if (typeof query !== "string" || query.trim() === "") {
      return graphError(res, 400, "BadRequest", "The body needs Query: the KQL text to run.");
    }
    const name = queryName(query);
    const window = WINDOW.exec(query);
    if (name !== "entra-directory-changes" || window === null) {
      return graphError(
        res,
        400,
        "BadRequest",
        "The simulator answers Warden's seed queries only (hunting/*.kql, with their Timestamp window).",
      );
    }
    const from = Date.parse(window[1] ?? "");
    const to = Date.parse(window[2] ?? "");
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return graphError(res, 400, "BadRequest", "Query could not be parsed: datetime() needs an ISO time.");
    }
    const wanted = new Set(
      [...(ACTION_TYPES.exec(query)?.[1] ?? "").matchAll(/"([^"]*)"/g)].map((m) =>
        (m[1] ?? "").toLowerCase(),
      ),
    );
    const rows = logs
      .query("directoryAudits", from, to, now())
      .map((r) => cloudAppEvent(r.record, tenant.id))
      .filter((row) => wanted.size === 0 || wanted.has(String(row["ActionType"]).toLowerCase()))
      .sort((a, b) => String(a["Timestamp"]).localeCompare(String(b["Timestamp"])))
      .slice(0, rowCap());
    res.json({
      "@odata.context":
        "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
      schema: SCHEMA,
      results: rows,
    });
  });
  return router;
}

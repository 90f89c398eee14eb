import express, { Router } from "express";
import { queryName } from "../../hunting/seed-queries.js";
import { graphError } from "../cloud/http-helpers.js";
import type { PublishedLogs } from "../cloud/published-logs.js";
import { cloudAppAzureEvent, cloudAppEvent, defenderSignIn } from "../records/export-shapes.js";
import type { SimTenant } from "../records/people.js";

const WINDOW = /Timestamp\s+between\s*\(\s*datetime\(([^)]+)\)\s*\.\.\s*datetime\(([^)]+)\)\s*\)/i;
// The list of quoted names, whatever parentheses the names themselves hold ("... (permanent).").
const ACTION_TYPES = /ActionType\s+in~?\s*\(((?:\s*"[^"]*"\s*,?)*)\)/i;

const CLOUD_APP_SCHEMA = [
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
const AZURE_SCHEMA = [
  ...CLOUD_APP_SCHEMA.filter((c) => c.name !== "RawEventData"),
  { name: "AccountId", type: "String" },
  { name: "ActivityObjects", type: "Object" },
  { name: "RawEventData", type: "Object" },
];
const SIGN_IN_SCHEMA = [
  "Timestamp",
  "ReportId",
  "RequestId",
  "CorrelationId",
  "AccountObjectId",
  "AccountUpn",
  "AccountDisplayName",
  "IPAddress",
  "Application",
  "ApplicationId",
  "ErrorCode",
  "LogonType",
  "RiskLevelAggregated",
  "RiskLevelDuringSignIn",
  "RiskEventTypes",
].map((name) => ({
  name,
  type: ["ErrorCode", "RiskLevelAggregated", "RiskLevelDuringSignIn"].includes(name) ? "Int32" : "String",
}));

/** Each seed query: the stream it reads, how a record becomes a row, and the row's schema. */
const QUERIES: Readonly<
  Record<
    string,
    { stream: "directoryAudits" | "activity" | "signIns"; schema: { name: string; type: string }[] }
  >
> = {
  "entra-directory-changes": { stream: "directoryAudits", schema: CLOUD_APP_SCHEMA },
  "azure-activity": { stream: "activity", schema: AZURE_SCHEMA },
  "entra-sign-ins": { stream: "signIns", schema: SIGN_IN_SCHEMA },
};

/**
 * Defender's `security/runHuntingQuery`, answering Warden's own seed queries (hunting/*.kql) from the
 * simulated tenant's records: directory audits and Azure activity as CloudAppEvents rows, sign-ins as
 * EntraIdSignInEvents rows. It reads the query's time window
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
    const known = name === undefined ? undefined : QUERIES[name];
    if (known === undefined || window === null) {
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
    const row = (record: Record<string, unknown>) =>
      known.stream === "directoryAudits"
        ? cloudAppEvent(record, tenant.id)
        : known.stream === "activity"
          ? cloudAppAzureEvent(record, tenant.id)
          : defenderSignIn(record, tenant.id);
    // Every subscription's activity: Defender's Azure connector sees the whole tenant.
    const rows = logs
      .query(known.stream, from, to, now())
      .map((r) => row(r.record))
      .filter((row) => wanted.size === 0 || wanted.has(String(row["ActionType"]).toLowerCase()))
      .sort((a, b) => String(a["Timestamp"]).localeCompare(String(b["Timestamp"])))
      .slice(0, rowCap());
    res.json({
      "@odata.context":
        "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
      schema: known.schema,
      results: rows,
    });
  });
  return router;
}

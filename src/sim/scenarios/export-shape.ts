import * as shapes from "../records/export-shapes.js";
import type { ScenarioRecord } from "./script.js";

/** The families of export a SOC may hand Warden; each maps every record it can carry. */
export type ExportFamily = "graph" | "diagnostic" | "log-analytics" | "defender";
export const EXPORT_FAMILIES: readonly ExportFamily[] = ["graph", "diagnostic", "log-analytics", "defender"];

/**
 * A record as the given export family carries it. Families that have no form for a record (risk
 * detections outside Graph) pass it on as Graph gives it: an analyst mixing exports does exactly that.
 */
export function inExportShape(
  record: ScenarioRecord,
  family: ExportFamily,
  tenantId: string,
): Record<string, unknown> {
  const r = record.record;
  switch (family) {
    case "graph":
      return r;
    case "diagnostic":
      if (record.stream === "directoryAudits") return shapes.diagnosticAudit(r, tenantId);
      if (record.stream === "signIns") return shapes.diagnosticSignIn(r, tenantId);
      if (record.stream === "activity") return shapes.diagnosticActivity(r);
      return r;
    case "log-analytics":
      if (record.stream === "directoryAudits") return shapes.logAnalyticsAudit(r, tenantId);
      if (record.stream === "signIns") return shapes.logAnalyticsSignIn(r, tenantId);
      if (record.stream === "activity") return shapes.logAnalyticsActivity(r);
      return r;
    case "defender":
      if (record.stream === "directoryAudits") return shapes.cloudAppEvent(r, tenantId);
      if (record.stream === "signIns") return shapes.defenderSignIn(r, tenantId);
      if (record.stream === "activity") return shapes.cloudAppAzureEvent(r, tenantId);
      return r;
  }
}

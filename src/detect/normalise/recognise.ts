import type { SecurityEvent } from "../event.js";
import { mapEventData } from "./arm-event.js";
import { isAzureCloudAppEvent, mapAzureCloudAppEvent } from "./cloud-app-azure.js";
import { isCloudAppEvent, mapCloudAppEvent } from "./cloud-app-event.js";
import type { NormaliseContext } from "./context.js";
import { isDefenderSignIn, mapDefenderSignIn } from "./defender-sign-in.js";
import { mapDirectoryAudit } from "./directory-audit.js";
import {
  ACTIVITY_CATEGORIES_READ,
  diagnosticOutOfScope,
  isDiagnosticRecord,
  mapDiagnosticRecord,
} from "./entra-diagnostic.js";
import { isObject, obj, str, strField } from "./fields.js";
import { logAnalyticsTable, mapLogAnalyticsRow } from "./log-analytics.js";
import { isSecurityAlert, mapSecurityAlert } from "./security-alert.js";
import { mapRiskDetection, mapSignIn } from "./sign-in.js";

/**
 * A record is read (an event), skipped (it could not be read: a reason to look at the export), or ignored
 * (read fine, but of a kind no rule uses: another Activity Log category, another Defender table).
 */
export type Normalised = { ok: true; event: SecurityEvent } | { ok: false; reason: string; ignored?: true };

/**
 * Recognises a record's shape from its own fields (no one says which log it came from) and maps it.
 * Never throws: a record that fits no shape, or fits one but lacks what the shape requires, says why.
 */
export function normaliseRecord(record: unknown, context: NormaliseContext): Normalised {
  if (!isObject(record)) return { ok: false, reason: "not a JSON object" };
  try {
    const flattened = flattenedByPowerShell(record);
    if (flattened !== undefined) return { ok: false, reason: flattened };
    const outOfScope = outOfScopeReason(record);
    if (outOfScope !== undefined) return { ok: false, reason: outOfScope, ignored: true };
    const shape = recogniseShape(record);
    if (shape === undefined) {
      // A table Warden reads none of (told only once no shape it knows fits: Sentinel's CloudAppEvents
      // rows carry a Type column too).
      const type = str(record["Type"]);
      if (type !== undefined && record["TimeGenerated"] !== undefined)
        return { ok: false, reason: `Log Analytics table ${type} is not one Warden reads`, ignored: true };
      return { ok: false, reason: "fits no known log shape" };
    }
    const event = shape.map();
    return event === undefined
      ? { ok: false, reason: `looks like ${shape.name} but lacks its id or time` }
      : { ok: true, event };
  } catch (error) {
    return { ok: false, reason: `could not be read: ${(error as Error).message}` };
  }

  function recogniseShape(
    r: Record<string, unknown>,
  ): { name: string; map: () => SecurityEvent | undefined } | undefined {
    const input = (shape: SecurityEvent["shape"]) => ({ shape, tenantId: context.tenantId });
    if (r["eventTimestamp"] !== undefined && r["operationName"] !== undefined)
      return { name: "an Azure Activity Log event", map: () => mapEventData(r, input("arm-event-data")) };
    if (r["activityDisplayName"] !== undefined && r["activityDateTime"] !== undefined)
      return {
        name: "a Graph directoryAudit",
        map: () => mapDirectoryAudit(r, input("graph-directory-audit")),
      };
    if (
      r["riskEventType"] !== undefined &&
      (r["detectedDateTime"] !== undefined || r["activityDateTime"] !== undefined)
    )
      return { name: "a Graph riskDetection", map: () => mapRiskDetection(r, input("graph-risk-detection")) };
    // Before the sign-in: an alert has a createdDateTime too.
    if (isSecurityAlert(r))
      return { name: "a Graph security alert", map: () => mapSecurityAlert(r, context) };
    if (
      r["createdDateTime"] !== undefined &&
      (r["userPrincipalName"] !== undefined || r["userId"] !== undefined)
    )
      return { name: "a Graph signIn", map: () => mapSignIn(r, input("graph-sign-in")) };
    if (isDiagnosticRecord(r))
      return { name: "a diagnostic-settings record", map: () => mapDiagnosticRecord(r, context) };
    if (isDefenderSignIn(r))
      return { name: "a Defender sign-in row", map: () => mapDefenderSignIn(r, context) };
    if (isCloudAppEvent(r) && isAzureCloudAppEvent(r))
      return {
        name: "a Defender CloudAppEvents row of Microsoft Azure",
        map: () => mapAzureCloudAppEvent(r, context),
      };
    if (isCloudAppEvent(r))
      return { name: "a Defender CloudAppEvents row", map: () => mapCloudAppEvent(r, context) };
    const table = logAnalyticsTable(r);
    if (table !== undefined)
      return { name: `a Log Analytics ${table} row`, map: () => mapLogAnalyticsRow(r, table, context) };
    return undefined;
  }
}

/**
 * Windows PowerShell's ConvertTo-Json stops at depth 2 unless told otherwise, and writes what is deeper
 * as text: `"@{user=; app=}"`. Such a record would read as an event with nobody in it, so it is refused,
 * saying how to export it again.
 */
function flattenedByPowerShell(r: Record<string, unknown>): string | undefined {
  for (const key of ["initiatedBy", "targetResources", "properties", "status", "claims"]) {
    const value = r[key];
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((v) => typeof v === "string" && v.startsWith("@{")))
      return `written by PowerShell's ConvertTo-Json with too little depth (${key} is "@{...}" text): export again with ConvertTo-Json -Depth 10`;
  }
  return undefined;
}

/**
 * Records of a shape Warden knows, from a log or table no rule reads. Told apart from unreadable ones so
 * that a summary's "skipped" means something to look at.
 */
function outOfScopeReason(r: Record<string, unknown>): string | undefined {
  if (isDiagnosticRecord(r)) return diagnosticOutOfScope(r);
  // REST EventData names its category; Warden reads Administrative and Security (see entra-diagnostic.ts).
  if (r["eventTimestamp"] !== undefined && r["operationName"] !== undefined) {
    const category = obj(r["category"]);
    const value = category === undefined ? str(r["category"]) : strField(category, "value");
    return value === undefined || ACTIVITY_CATEGORIES_READ.has(value.toLowerCase())
      ? undefined
      : `Activity Log category ${value} is not one Warden reads`;
  }
  // Defender's device tables (DeviceEvents and the like) come in the same hunting exports as
  // CloudAppEvents: a device and its process, and no RawEventData.
  if (
    typeof r["ActionType"] === "string" &&
    (r["DeviceId"] !== undefined || r["InitiatingProcessFileName"] !== undefined) &&
    obj(r["RawEventData"]) === undefined
  )
    return "a Defender device table row (DeviceEvents or alike), not a table Warden reads";
  return undefined;
}

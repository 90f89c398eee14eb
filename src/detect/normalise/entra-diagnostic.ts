import type { SecurityEvent } from "../event.js";
import { mapEventData } from "./arm-event.js";
import type { NormaliseContext } from "./context.js";
import { mapDirectoryAudit } from "./directory-audit.js";
import { field, type JsonObject, obj, strField } from "./fields.js";
import { mapRiskDetection, mapSignIn } from "./sign-in.js";

/**
 * Diagnostic-settings exports (storage account or Event Hub): Entra logs carry the Graph record under
 * `properties`; the Activity Log export carries ARM fields at the top level with `properties` beside them.
 */

const SIGN_IN_CATEGORIES = new Set([
  "signinlogs",
  "noninteractiveusersigninlogs",
  "serviceprincipalsigninlogs",
  "managedidentitysigninlogs",
]);
const RISK_CATEGORIES = new Set(["userriskevents", "serviceprincipalriskevents"]);
/**
 * The Activity Log categories that hold what the rules read: role assignments, subscriptions, the
 * transfer policy, VMs and resource groups (Administrative), and a subscription's move (Security). In the
 * storage and Event Hub export an Administrative event's category is its operation's kind instead:
 * "Write", "Delete" or "Action" ("Azure Monitor activity log schema", storage account and event hubs:
 * "category: For Administrative events, breakout of the operation type"). The others (ServiceHealth,
 * ResourceHealth, Alert, Autoscale, Recommendation, Policy) are out of scope.
 */
export const ACTIVITY_CATEGORIES_READ = new Set(["administrative", "security", "write", "delete", "action"]);

/** Why a diagnostic-settings record is out of Warden's scope, or undefined when it is one Warden reads. */
export function diagnosticOutOfScope(record: JsonObject): string | undefined {
  const category = (strField(record, "category") ?? "").toLowerCase();
  if (
    category === "auditlogs" ||
    SIGN_IN_CATEGORIES.has(category) ||
    RISK_CATEGORIES.has(category) ||
    ACTIVITY_CATEGORIES_READ.has(category)
  )
    return undefined;
  return `diagnostic category ${strField(record, "category") ?? "(none)"} is not one Warden reads`;
}

export function isDiagnosticRecord(record: JsonObject): boolean {
  return (
    typeof record["operationName"] === "string" &&
    typeof record["category"] === "string" &&
    record["time"] !== undefined &&
    // Entra's records carry `properties`; an Activity Log record may not (an Event Hub listKeys has
    // none), but names its resource.
    (record["properties"] !== undefined || record["resourceId"] !== undefined)
  );
}

export function mapDiagnosticRecord(
  record: JsonObject,
  context: NormaliseContext,
): SecurityEvent | undefined {
  const category = (strField(record, "category") ?? "").toLowerCase();
  const properties = obj(record["properties"]) ?? {};
  const tenantId = (strField(record, "tenantId") ?? context.tenantId).toLowerCase();
  if (category === "auditlogs") {
    return mapDirectoryAudit(properties, { shape: "entra-diagnostic-audit", tenantId });
  }
  if (SIGN_IN_CATEGORIES.has(category)) {
    return mapSignIn(properties, { shape: "entra-diagnostic-sign-in", tenantId });
  }
  if (RISK_CATEGORIES.has(category)) {
    return mapRiskDetection(properties, { shape: "entra-diagnostic-risk", tenantId });
  }
  if (ACTIVITY_CATEGORIES_READ.has(category)) {
    const identity = obj(record["identity"]) ?? {};
    const claims = obj(field(identity, "claims")) ?? {};
    // Who called is read from the claims by mapEventData (object id, UPN, unique name, provider); the
    // short `name` claim is a display name, never an identity, so it is not offered as the caller.
    const upn = strField(claims, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn");
    return mapEventData(
      {
        operationName: record["operationName"],
        eventTimestamp: record["time"],
        correlationId: record["correlationId"],
        resourceId: record["resourceId"],
        status: record["resultType"],
        caller: upn,
        claims: { ...claims, ipaddr: record["callerIpAddress"] },
        tenantId: record["tenantId"],
        properties,
      },
      { shape: "azure-diagnostic-activity", tenantId },
    );
  }
  return undefined;
}

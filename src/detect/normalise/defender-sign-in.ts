import type { SecurityEvent } from "../event.js";
import type { NormaliseContext } from "./context.js";
import { arr, field, type JsonObject, num, str, strField } from "./fields.js";
import { mapSignIn } from "./sign-in.js";

/**
 * Defender XDR advanced hunting's Entra sign-ins: `AADSignInEventsBeta`, and `EntraIdSignInEvents` that
 * replaces it (Learn: advanced-hunting-aadsignineventsbeta-table, -entraidsigninevents-table). Columns
 * are PascalCase; risk levels are numbers. Converted to the Graph signIn shape so one mapper decides what
 * a sign-in means, and `risky-signin-resource-group` works from Defender data alone (issue 19, point 9).
 */

const TABLES = new Set(["AADSignInEventsBeta", "EntraIdSignInEvents"]);

export function isDefenderSignIn(row: JsonObject): boolean {
  const type = str(row["Type"]) ?? str(row["$table"]);
  if (type !== undefined) return TABLES.has(type);
  return (
    row["Timestamp"] !== undefined &&
    (row["AccountUpn"] !== undefined || row["AccountObjectId"] !== undefined) &&
    row["ErrorCode"] !== undefined &&
    (row["LogonType"] !== undefined || row["RiskLevelAggregated"] !== undefined) &&
    row["RawEventData"] === undefined
  );
}

export function mapDefenderSignIn(row: JsonObject, context: NormaliseContext): SecurityEvent | undefined {
  // Not ResourceTenantId: the tenant of the resource signed in to, another one for a cross-tenant sign-in.
  const tenantId = (str(row["TenantId"]) ?? context.tenantId).toLowerCase();
  const errorCode = num(row["ErrorCode"]);
  return mapSignIn(
    {
      // Graph's sign-in id is the request id: the same sign-in read from Graph and Defender is one event.
      id: row["RequestId"] ?? row["ReportId"],
      createdDateTime: row["Timestamp"] ?? row["TimeGenerated"],
      userId: row["AccountObjectId"],
      userPrincipalName: row["AccountUpn"],
      userDisplayName: row["AccountDisplayName"],
      ipAddress: row["IPAddress"],
      appDisplayName: row["Application"],
      correlationId: row["CorrelationId"],
      riskLevelAggregated: levelName(field(row, "RiskLevelAggregated")),
      riskLevelDuringSignIn: levelName(field(row, "RiskLevelDuringSignIn")),
      riskEventTypes_v2: arr(row["RiskEventTypes"]),
      // ErrorCode is an integer: 0 is success.
      status: { errorCode: errorCode ?? strField(row, "ErrorCode") },
    },
    { shape: "defender-sign-in", tenantId },
  );
}

/**
 * The tables' risk levels as Graph names them: 0 not set, 1 none, 10 low, 50 medium, 100 high (Learn,
 * RiskLevelAggregated). A name already (a later table version) is kept.
 */
function levelName(value: unknown): string | undefined {
  const n = num(value);
  if (n === undefined) return str(value);
  return { 1: "none", 10: "low", 50: "medium", 100: "high" }[n];
}

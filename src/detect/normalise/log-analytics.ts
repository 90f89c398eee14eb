import type { SecurityEvent } from "../event.js";
import { mapEventData } from "./arm-event.js";
import type { NormaliseContext } from "./context.js";
import { mapDirectoryAudit } from "./directory-audit.js";
import { arr, type JsonObject, obj, str, strField } from "./fields.js";
import { mapSignIn } from "./sign-in.js";

/**
 * Log Analytics / Sentinel rows exported as JSON (`AuditLogs`, `SigninLogs`, `AzureActivity`). Column
 * names are PascalCase, dynamic columns may arrive as JSON strings, and AzureActivity writes operation
 * values upper-case. The `Type` column names the table; without it the columns do.
 */

export type LogAnalyticsTable = "AuditLogs" | "SigninLogs" | "AzureActivity";

export function logAnalyticsTable(row: JsonObject): LogAnalyticsTable | undefined {
  const type = str(row["Type"]);
  if (type === "AuditLogs") return "AuditLogs";
  if (
    type === "SigninLogs" ||
    type === "AADNonInteractiveUserSignInLogs" ||
    type === "AADServicePrincipalSignInLogs" ||
    type === "AADManagedIdentitySignInLogs"
  )
    return "SigninLogs";
  if (type === "AzureActivity") return "AzureActivity";
  if (row["TimeGenerated"] === undefined) return undefined;
  if (row["OperationNameValue"] !== undefined) return "AzureActivity";
  if (row["ActivityDisplayName"] !== undefined || row["InitiatedBy"] !== undefined) return "AuditLogs";
  if (
    row["UserPrincipalName"] !== undefined &&
    (row["RiskLevelDuringSignIn"] !== undefined || row["ResultType"] !== undefined)
  )
    return "SigninLogs";
  return undefined;
}

export function mapLogAnalyticsRow(
  row: JsonObject,
  table: LogAnalyticsTable,
  context: NormaliseContext,
): SecurityEvent | undefined {
  const tenantId = (
    strField(row, "TenantId") ??
    strField(row, "AADTenantId") ??
    context.tenantId
  ).toLowerCase();
  switch (table) {
    case "AuditLogs":
      return mapDirectoryAudit(
        {
          id: row["Id"],
          activityDisplayName: row["ActivityDisplayName"] ?? row["OperationName"],
          activityDateTime: row["ActivityDateTime"] ?? row["TimeGenerated"],
          category: row["Category"],
          result: row["Result"],
          operationType: row["OperationType"],
          correlationId: row["CorrelationId"],
          loggedByService: row["LoggedByService"],
          initiatedBy: obj(row["InitiatedBy"]),
          targetResources: arr(row["TargetResources"]),
          additionalDetails: arr(row["AdditionalDetails"]),
        },
        { shape: "log-analytics-audit", tenantId },
      );
    case "SigninLogs": {
      const status = obj(row["Status"]);
      return mapSignIn(
        {
          id: row["Id"],
          createdDateTime: row["CreatedDateTime"] ?? row["TimeGenerated"],
          userId: row["UserId"],
          userPrincipalName: row["UserPrincipalName"],
          userDisplayName: row["UserDisplayName"],
          ipAddress: row["IPAddress"],
          appDisplayName: row["AppDisplayName"],
          correlationId: row["CorrelationId"],
          riskLevelAggregated: row["RiskLevelAggregated"],
          riskLevelDuringSignIn: row["RiskLevelDuringSignIn"],
          riskEventTypes_v2: arr(row["RiskEventTypes_V2"]),
          // ResultType is the sign-in error code as a string; "0" is success.
          status: {
            errorCode: status?.["errorCode"] ?? (str(row["ResultType"]) === "0" ? 0 : row["ResultType"]),
          },
        },
        { shape: "log-analytics-sign-in", tenantId },
      );
    }
    case "AzureActivity": {
      const status = (str(row["ActivityStatusValue"]) ?? str(row["ActivityStatus"]) ?? "").toLowerCase();
      return mapEventData(
        {
          operationName: { value: row["OperationNameValue"] },
          eventTimestamp: row["TimeGenerated"],
          caller: row["Caller"],
          correlationId: row["CorrelationId"],
          eventDataId: row["EventDataId"],
          status: { value: status === "failure" ? "Failed" : status },
          subscriptionId: row["SubscriptionId"],
          tenantId: row["TenantId"],
          resourceId: row["_ResourceId"] ?? row["ResourceId"],
          properties: obj(row["Properties_d"]) ?? obj(row["Properties"]),
          claims: { ...(obj(row["Claims_d"]) ?? obj(row["Claims"]) ?? {}), ipaddr: row["CallerIpAddress"] },
          httpRequest: obj(row["HTTPRequest"]),
        },
        { shape: "log-analytics-activity", tenantId },
      );
    }
  }
}

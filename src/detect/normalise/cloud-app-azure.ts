import type { SecurityEvent } from "../event.js";
import { mapEventData } from "./arm-event.js";
import type { NormaliseContext } from "./context.js";
import { field, guid, type JsonObject, obj, objects, str, strField } from "./fields.js";

/**
 * Defender XDR `CloudAppEvents` rows of Microsoft Azure (Defender for Cloud Apps' Azure connector,
 * `Application` "Microsoft Azure", `ApplicationId` 12260): the Activity Log's operations, named by
 * `ActionType` as "<Verb> <ResourceType>" ("Validate Deployments", "Write Deployments",
 * "ElevateAccess Microsoft.Authorization"), with the Activity Log event in `RawEventData`
 * (`operationName`, `status`, `httpRequest`, `authorization` as JSON text). Turned back into the Activity
 * Log's EventData, so that each rule fires from either source (issue 19, point 8), and the same operation
 * read from both is one event (same correlation, operation and resource).
 */

const AZURE_APP_ID = 12260;

/** ActionType to the Activity Log operation, for a row whose RawEventData does not name it. */
const OPERATION_OF: Readonly<Record<string, string>> = {
  "validate deployments": "Microsoft.Resources/deployments/validate/action",
  "write deployments": "Microsoft.Resources/deployments/write",
  "write virtualmachines": "Microsoft.Compute/virtualMachines/write",
  "write resourcegroups": "Microsoft.Resources/subscriptions/resourceGroups/write",
  "write resourcegroup": "Microsoft.Resources/subscriptions/resourceGroups/write",
  "write roleassignments": "Microsoft.Authorization/roleAssignments/write",
  "elevateaccess microsoft.authorization": "Microsoft.Authorization/elevateAccess/action",
};

export function isAzureCloudAppEvent(row: JsonObject): boolean {
  return str(row["Application"]) === "Microsoft Azure" || row["ApplicationId"] === AZURE_APP_ID;
}

export function mapAzureCloudAppEvent(row: JsonObject, context: NormaliseContext): SecurityEvent | undefined {
  const raw = parsed(row["RawEventData"]) ?? {};
  const action = str(row["ActionType"]) ?? "";
  const operation = field(raw, "operationName") ?? OPERATION_OF[action.toLowerCase()];
  if (operation === undefined) return undefined;
  const claims = parsed(field(raw, "claims")) ?? {};
  const tenantId = (strField(raw, "tenantId") ?? str(row["TenantId"]) ?? context.tenantId).toLowerCase();
  return mapEventData(
    {
      operationName: operation,
      eventTimestamp: field(raw, "eventTimestamp") ?? row["Timestamp"],
      correlationId: field(raw, "correlationId") ?? row["ReportId"],
      eventDataId: field(raw, "eventDataId") ?? row["ReportId"],
      resourceId: field(raw, "resourceId") ?? resourceOf(row),
      subscriptionId: field(raw, "subscriptionId") ?? subscriptionOf(row),
      status: field(raw, "status") ?? "Succeeded",
      caller: field(raw, "caller") ?? row["AccountId"],
      claims: {
        ...claims,
        ...(claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] === undefined &&
        guid(row["AccountObjectId"]) !== undefined
          ? { "http://schemas.microsoft.com/identity/claims/objectidentifier": row["AccountObjectId"] }
          : {}),
        ...(claims["ipaddr"] === undefined && row["IPAddress"] !== undefined
          ? { ipaddr: row["IPAddress"] }
          : {}),
      },
      httpRequest: parsed(field(raw, "httpRequest")),
      tenantId,
      properties: parsed(field(raw, "properties")) ?? {},
    },
    { shape: "defender-cloud-app-event", tenantId },
  );
}

/** An object, or JSON text holding one (Defender writes several nested fields as text). */
function parsed(value: unknown): JsonObject | undefined {
  if (typeof value !== "string") return obj(value);
  try {
    return obj(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** The subscription among the row's ActivityObjects ("Azure Subscription"). */
function subscriptionOf(row: JsonObject): string | undefined {
  const entry = activityObjects(row).find((o) => str(o["Type"]) === "Azure Subscription");
  return entry === undefined ? undefined : guid(entry["Id"]);
}

/** The resource among the row's ActivityObjects, when it names one by its ARM id. */
function resourceOf(row: JsonObject): string | undefined {
  return activityObjects(row)
    .map((o) => str(o["Id"]))
    .find((id) => id?.toLowerCase().startsWith("/subscriptions/"));
}

function activityObjects(row: JsonObject): JsonObject[] {
  const value = row["ActivityObjects"];
  return objects(typeof value === "string" ? (parsed(`{"v":${value}}`)?.["v"] ?? []) : value);
}

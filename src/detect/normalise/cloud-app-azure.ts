import type { SecurityEvent } from "../event.js";
import { mapEventData } from "./arm-event.js";
import type { NormaliseContext } from "./context.js";
import { field, guid, type JsonObject, obj, objects, str, strField } from "./fields.js";

/**
 * Defender XDR `CloudAppEvents` rows of Microsoft Azure (Defender for Cloud Apps' Azure connector,
 * `Application` "Microsoft Azure", `ApplicationId` 12260): the Activity Log's operations, named by
 * `ActionType` as "<Verb> <ResourceType>" ("Validate Deployments", "Write Deployments",
 * "ElevateAccess Microsoft.Authorization"), with the Activity Log event in `RawEventData` where Defender
 * keeps it (`operationName`, `status`, `httpRequest` and `authorization` as JSON text), and only its
 * own fields where not (Elastic's real row: `AccountMoniker`). Turned back into the Activity Log's
 * EventData, so that each rule fires from either source (issue 19, point 8), and the same operation read
 * from both is one event (same correlation, operation and resource).
 */

const AZURE_APP_ID = 12260;
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";

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

/**
 * A row of Azure activity. An Entra change (its ActionType ends with a period, as the unified audit log
 * writes them: "Add member to role.") stays with the Entra mapper whatever application names it.
 */
export function isAzureCloudAppEvent(row: JsonObject): boolean {
  const azure = str(row["Application"]) === "Microsoft Azure" || row["ApplicationId"] === AZURE_APP_ID;
  return azure && !(str(row["ActionType"]) ?? "").trim().endsWith(".");
}

export function mapAzureCloudAppEvent(row: JsonObject, context: NormaliseContext): SecurityEvent | undefined {
  const raw = parsed(row["RawEventData"]) ?? {};
  const action = str(row["ActionType"]) ?? "";
  // An operation with no mapping is still an event (of no rule's kind), not an unreadable record.
  const operation =
    strField(raw, "operationName") ?? OPERATION_OF[action.toLowerCase()] ?? (action || undefined);
  if (operation === undefined) return undefined;
  const claims = parsed(field(raw, "claims")) ?? {};
  const tenantId = (strField(raw, "tenantId") ?? str(row["TenantId"]) ?? context.tenantId).toLowerCase();
  const event = mapEventData(
    {
      operationName: field(raw, "operationName") ?? operation,
      eventTimestamp: field(raw, "eventTimestamp") ?? row["Timestamp"],
      correlationId: field(raw, "correlationId") ?? row["ReportId"],
      eventDataId: field(raw, "eventDataId") ?? row["ReportId"],
      resourceId: field(raw, "resourceId") ?? resourceOf(row, operation),
      subscriptionId: field(raw, "subscriptionId") ?? subscriptionOf(row),
      status: field(raw, "status") ?? "Succeeded",
      // Only the event's own caller: AccountId is an object id, which would read as an app's.
      caller: field(raw, "caller"),
      claims: {
        ...claims,
        ...(claims[OID] === undefined && guid(row["AccountObjectId"]) !== undefined
          ? { [OID]: row["AccountObjectId"] }
          : {}),
        ...(claims["ipaddr"] === undefined && row["IPAddress"] !== undefined
          ? { ipaddr: row["IPAddress"] }
          : {}),
        ...(claims["name"] === undefined && str(row["AccountDisplayName"]) !== undefined
          ? { name: row["AccountDisplayName"] }
          : {}),
        // Defender says which kind of account acted: an app, or a person (Regular, Admin, Guest).
        ...(claims["idtyp"] === undefined
          ? { idtyp: str(row["AccountType"]) === "Application" ? "app" : "user" }
          : {}),
      },
      httpRequest: parsed(field(raw, "httpRequest")),
      tenantId,
      properties: parsed(field(raw, "properties")) ?? {},
    },
    { shape: "defender-cloud-app-event", tenantId },
  );
  // Defender knows an outsider where the record may not show it (no UPN): IsExternalUser.
  if (event?.actor !== undefined && (row["IsExternalUser"] === true || row["IsExternalUser"] === 1))
    event.actor.external = true;
  return event;
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

/**
 * The resource the row is about: an ARM id among its ActivityObjects, or one made of its subscription,
 * resource group and ObjectName for the operations the rules read (a VM; a deployment: the blog's
 * "Validate Deployments" row whose RawEventData contains createVm is a portal VM creation).
 */
function resourceOf(row: JsonObject, operation: string): string | undefined {
  const entries = activityObjects(row);
  const byId = entries.map((o) => str(o["Id"])).find((id) => id?.toLowerCase().startsWith("/subscriptions/"));
  if (byId !== undefined) return byId;
  const subscription = subscriptionOf(row);
  const group = str(entries.find((o) => str(o["Type"]) === "Azure Resource Group")?.["Name"]);
  const name = str(row["ObjectName"]) || undefined;
  if (subscription === undefined || group === undefined) return undefined;
  const base = `/subscriptions/${subscription}/resourceGroups/${group}`;
  const op = operation.toLowerCase();
  if (op === "microsoft.compute/virtualmachines/write" && name !== undefined)
    return `${base}/providers/Microsoft.Compute/virtualMachines/${name}`;
  if (op === "microsoft.resources/deployments/validate/action") {
    const portalVm = /createvm/i.test(JSON.stringify(row["RawEventData"] ?? ""));
    const deployment = name ?? (portalVm ? "CreateVm" : undefined);
    return deployment === undefined
      ? undefined
      : `${base}/providers/Microsoft.Resources/deployments/${deployment}`;
  }
  if (op === "microsoft.resources/subscriptions/resourcegroups/write") return base;
  return undefined;
}

function activityObjects(row: JsonObject): JsonObject[] {
  const value = row["ActivityObjects"];
  return objects(typeof value === "string" ? (parsed(`{"v":${value || "[]"}}`)?.["v"] ?? []) : value);
}

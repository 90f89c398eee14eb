import type { SecurityEvent } from "../event.js";
import type { NormaliseContext } from "./context.js";
import { mapDirectoryAudit } from "./directory-audit.js";
import { field, guid, type JsonObject, obj, objects, str, strField } from "./fields.js";

/**
 * Defender XDR `CloudAppEvents` rows. Entra operations arrive as unified-audit-log records in
 * `RawEventData` ("Add member to role.", "Add user."): converted to the Graph directoryAudit shape so one
 * mapper decides what they mean.
 */

export function isCloudAppEvent(row: JsonObject): boolean {
  return typeof row["ActionType"] === "string" && row["RawEventData"] !== undefined;
}

export function mapCloudAppEvent(row: JsonObject, context: NormaliseContext): SecurityEvent | undefined {
  const raw = obj(row["RawEventData"]) ?? {};
  const operation = str(row["ActionType"]) ?? strField(raw, "Operation");
  const id = strField(raw, "Id") ?? str(row["ReportId"]);
  if (operation === undefined || id === undefined) return undefined;
  const actorUpn = strField(raw, "UserId");
  const actorId = guid(row["AccountObjectId"]) ?? objectIdOf(objects(raw["Actor"]));
  const targetUpn = strField(raw, "ObjectId");
  const targetId = objectIdOf(objects(raw["Target"]));
  const ip = str(row["IPAddress"]) ?? strField(raw, "ActorIpAddress") ?? strField(raw, "ClientIP");
  const tenantId = (
    strField(raw, "OrganizationId") ??
    str(row["TenantId"]) ??
    context.tenantId
  ).toLowerCase();
  const modified = objects(raw["ModifiedProperties"]).map((p) => ({
    displayName: field(p, "Name"),
    oldValue: field(p, "OldValue"),
    newValue: field(p, "NewValue"),
  }));
  return mapDirectoryAudit(
    {
      id: `ual:${id}`,
      activityDisplayName: operation,
      activityDateTime: row["Timestamp"] ?? raw["CreationTime"],
      result:
        (strField(raw, "ResultStatus") ?? "success").toLowerCase() === "success" ? "success" : "failure",
      initiatedBy: {
        user: {
          id: actorId,
          userPrincipalName: actorUpn?.includes("@") ? actorUpn : undefined,
          displayName: row["AccountDisplayName"],
          ipAddress: ip,
        },
      },
      targetResources: [
        { type: "User", id: targetId, userPrincipalName: targetUpn, modifiedProperties: modified },
      ],
      additionalDetails: objects(raw["ExtendedProperties"]).map((p) => ({
        key: p["Name"],
        value: p["Value"],
      })),
    },
    { shape: "defender-cloud-app-event", tenantId },
  );
}

/** Unified-audit-log actor/target lists mix ids of several kinds; type 2 entries hold object ids. */
function objectIdOf(entries: JsonObject[]): string | undefined {
  for (const entry of entries) {
    const id = guid(entry["ID"]);
    if (id !== undefined) return id;
  }
  return undefined;
}

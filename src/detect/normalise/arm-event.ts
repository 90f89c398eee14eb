import type { Principal, SecurityEvent } from "../event.js";
import { isExternalUpn } from "../identity.js";
import type { MapperInput } from "./context.js";
import {
  arr,
  capped,
  field,
  guid,
  ipAddress,
  type JsonObject,
  lastGuid,
  obj,
  objects,
  str,
  strField,
  subscriptionOf,
} from "./fields.js";
import { principal, principalTypeOf } from "./principal.js";
import { parseTime } from "./time.js";
import { protectiveTransferBlock } from "./transfer-policy-body.js";

/**
 * Azure Activity Log `EventData` (REST shape) to SecurityEvent. The diagnostic export and the Log
 * Analytics `AzureActivity` table are converted to this shape first.
 *
 * One ARM operation logs several records (BeginRequest/Started, then Accepted or Succeeded). They share
 * correlationId, operation and resource, and so they share the event id built here: the pair is one event.
 */

const OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const TENANT_CLAIM = "http://schemas.microsoft.com/identity/claims/tenantid";
const NAME_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const IDP_CLAIM = "http://schemas.microsoft.com/identity/claims/identityprovider";
const SCOPE_CLAIM = "http://schemas.microsoft.com/identity/claims/scope";
const CREATED_MESSAGE = /^Entity (\S+) is created with parent entity (\S+)/i;
const MOVED_MESSAGE = /moved from tenant ([0-9a-f-]{36}) to tenant ([0-9a-f-]{36})/i;

/** Operations that can become something other than "other"; everything else returns early. */
const INTERESTING_OPERATIONS = new Set([
  "microsoft.authorization/roleassignments/write",
  "microsoft.authorization/roleeligibilityschedulerequests/write",
  "microsoft.authorization/roledefinitions/write",
  "microsoft.subscription/aliases/write",
  "microsoft.subscription/updatetenant/action",
  "microsoft.subscription/policies/write",
  "microsoft.authorization/elevateaccess/action",
  "microsoft.compute/virtualmachines/write",
  "microsoft.resources/deployments/validate/action",
  "microsoft.resources/subscriptions/resourcegroups/write",
]);

export function mapEventData(event: JsonObject, input: MapperInput): SecurityEvent | undefined {
  const operationObject = obj(field(event, "operationName"));
  const operation =
    operationObject === undefined ? strField(event, "operationName") : strField(operationObject, "value");
  const time = parseTime(field(event, "eventTimestamp"));
  if (operation === undefined || time === undefined) return undefined;
  const op = operation.toLowerCase();
  const correlationId = strField(event, "correlationId");
  const resourceId = strField(event, "resourceId") ?? "";
  const rawId =
    correlationId === undefined
      ? strField(event, "eventDataId")
      : `${correlationId}|${op}|${resourceId.toLowerCase()}`;
  if (rawId === undefined) return undefined;
  const properties = obj(field(event, "properties")) ?? {};
  const claims = obj(field(event, "claims")) ?? {};
  const status = (statusValue(event) ?? "").toLowerCase();
  const header = {
    id: `azure-activity:${rawId}`,
    source: "azure-activity" as const,
    shape: input.shape,
    tenantId: (strField(event, "tenantId") ?? str(claims[TENANT_CLAIM]) ?? input.tenantId).toLowerCase(),
    time,
    operation,
    succeeded: status !== "failed" && status !== "failure",
    actor: caller(event, claims),
    correlationId,
  };
  // Subscription creation at the root management group is known by its message, whatever the operation.
  const message = strField(properties, "message");
  if (!INTERESTING_OPERATIONS.has(op) && !message?.startsWith("Entity ")) return { ...header, kind: "other" };
  const subscriptionId = guid(field(event, "subscriptionId")) ?? subscriptionOf(resourceId);

  switch (op) {
    case "microsoft.authorization/roleassignments/write": {
      const body = bodyProperties(properties);
      const scope = strField(body, "scope") ?? scopeOfAssignment(field(event, "resourceId"));
      const principalType = strField(body, "principalType")?.toLowerCase();
      return {
        ...header,
        kind: "azure-role-assigned",
        subject: principal({ type: principalTypeOf(principalType), id: guid(field(body, "principalId")) }),
        roleDefinitionId: lastGuid(field(body, "roleDefinitionId")),
        scope,
        subscriptionId: subscriptionOf(scope) ?? subscriptionId,
      };
    }
    case "microsoft.authorization/roleeligibilityschedulerequests/write": {
      // Azure PIM: a request that makes a principal eligible (or keeps it so for longer) is a grant as
      // much as an assignment is: one activation away. AdminRemove and the principal's own requests are not.
      const body = bodyProperties(properties);
      // A record that does not say (no body logged) is taken for a grant: deny on doubt.
      const requestType = strField(body, "requestType")?.toLowerCase();
      if (requestType !== undefined && !ELIGIBILITY_GRANTS.has(requestType))
        return { ...header, kind: "other" };
      const scope = strField(body, "scope") ?? scopeOfRequest(resourceId);
      return {
        ...header,
        kind: "azure-role-assigned",
        subject: principal({
          type: principalTypeOf(strField(body, "principalType")?.toLowerCase()),
          id: guid(field(body, "principalId")),
        }),
        roleDefinitionId: lastGuid(field(body, "roleDefinitionId")),
        scope,
        subscriptionId: subscriptionOf(scope ?? "") ?? subscriptionId,
        eligible: true,
      };
    }
    case "microsoft.authorization/roledefinitions/write": {
      const body = bodyProperties(properties);
      const actions = objects(field(body, "permissions")).flatMap((p) =>
        arr(field(p, "actions"))
          .filter((a): a is string => typeof a === "string")
          .map(capped),
      );
      return { ...header, kind: "azure-role-defined", roleDefinitionId: lastGuid(resourceId), actions };
    }
    case "microsoft.subscription/aliases/write": {
      const response = bodyProperties(properties, "responseBody");
      return {
        ...header,
        kind: "subscription-created",
        subscriptionId: guid(field(response, "subscriptionId")) ?? subscriptionId,
      };
    }
    case "microsoft.subscription/updatetenant/action": {
      const moved = MOVED_MESSAGE.exec(strField(properties, "message") ?? "");
      return {
        ...header,
        kind: "subscription-tenant-changed",
        subscriptionId,
        fromTenantId: moved?.[1]?.toLowerCase(),
        toTenantId: moved?.[2]?.toLowerCase(),
      };
    }
    case "microsoft.subscription/policies/write": {
      const body = bodyProperties(properties);
      return {
        ...header,
        kind: "subscription-policy-written",
        blockLeaving: bool(field(body, "blockSubscriptionsLeavingTenant")),
        blockEntering: bool(field(body, "blockSubscriptionsIntoTenant")),
        protective: protectiveTransferBlock(properties),
      };
    }
    case "microsoft.authorization/elevateaccess/action":
      return { ...header, kind: "elevate-access" };
    case "microsoft.compute/virtualmachines/write":
      return { ...header, kind: "vm-created", resourceId, subscriptionId, via: "vm-write" };
    case "microsoft.resources/deployments/validate/action": {
      // Portal VM creation validates a deployment named CreateVm-...: the earliest sign of a new VM.
      const deployment = resourceId.slice(resourceId.lastIndexOf("/") + 1);
      if (deployment.toLowerCase().startsWith("createvm")) {
        return { ...header, kind: "vm-created", resourceId, subscriptionId, via: "deployment-validation" };
      }
      return { ...header, kind: "other" };
    }
    case "microsoft.resources/subscriptions/resourcegroups/write":
      return { ...header, kind: "resource-group-written", resourceId, subscriptionId };
    default: {
      // Subscription creation as logged at the root management group: no operation of its own, only a message.
      const created = CREATED_MESSAGE.exec(message ?? "");
      if (created !== undefined && created !== null) {
        return { ...header, kind: "subscription-created", subscriptionId: guid(created[1]) ?? created[1] };
      }
      return { ...header, kind: "other" };
    }
  }
}

/** PIM request types that leave the principal eligible (RoleEligibilityScheduleRequest.json, RequestType). */
const ELIGIBILITY_GRANTS = new Set(["adminassign", "adminupdate", "adminextend", "adminrenew"]);

/** The scope a PIM request was made at: its resource id up to the provider segment. */
function scopeOfRequest(resourceId: string): string | undefined {
  const at = resourceId
    .toLowerCase()
    .indexOf("/providers/microsoft.authorization/roleeligibilityschedulerequests/");
  if (at < 0) return undefined;
  return at === 0 ? "/" : capped(resourceId.slice(0, at));
}

function statusValue(event: JsonObject): string | undefined {
  const status = field(event, "status");
  return typeof status === "string" ? status : strField(obj(status) ?? {}, "value");
}

/**
 * Who called, from the record's claims: the object id first (it is always there for a user or an app),
 * then a name that is an address. Guests often carry no `upn` claim: their `unique_name` is their home
 * address, prefixed by their identity provider (`live.com#alice@outlook.com`), and their `idp` claim names a
 * provider other than this tenant's. An app's token has no user name at all (`idtyp` app, or `appid` alone).
 */
function caller(event: JsonObject, claims: JsonObject): Principal | undefined {
  const name = strField(event, "caller");
  const oid = guid(claims[OID_CLAIM] ?? claims["oid"]);
  const uniqueName = str(claims[NAME_CLAIM]) ?? str(claims["unique_name"]);
  const rawUpn =
    (name?.includes("@") ? name : undefined) ??
    str(claims[UPN_CLAIM]) ??
    (uniqueName?.includes("@") ? uniqueName : undefined);
  // `live.com#alice@outlook.com`: the part before `#` names the provider, not the person, but only when
  // the token says another provider signed them in. A member may be named `live.com#admin@contoso.com`
  // (`#` is allowed in a UPN): stripping it then would make them the real admin.
  const another = fromAnotherProvider(claims);
  const prefixed = another && rawUpn !== undefined && /^[^@#]+#[^#]+@/.test(rawUpn) && !isExternalUpn(rawUpn);
  const upn = prefixed ? rawUpn?.slice(rawUpn.indexOf("#") + 1) : rawUpn;
  const http = obj(field(event, "httpRequest"));
  const ip =
    ipAddress(http === undefined ? undefined : field(http, "clientIpAddress")) ?? ipAddress(claims["ipaddr"]);
  const appId = guid(claims["appid"]);
  if (name === undefined && oid === undefined && upn === undefined) return undefined;
  // A caller that is a bare GUID with no UPN is an application's service principal; so is a token that
  // names an app and no user, unless it is delegated (a user's token carries its scopes, `scp`).
  const delegated = claims[SCOPE_CLAIM] !== undefined || claims["scp"] !== undefined;
  const idtyp = str(claims["idtyp"]);
  const isApp =
    upn === undefined &&
    (idtyp === "app" ||
      (idtyp !== "user" &&
        !delegated &&
        (guid(name) !== undefined || (appId !== undefined && name === undefined))));
  return principal({
    type: isApp ? "servicePrincipal" : "user",
    id: oid ?? (isApp ? guid(name) : undefined),
    userPrincipalName: upn,
    displayName: str(claims["name"]),
    ipAddress: ip,
    appId: isApp ? appId : undefined,
    external: (!isApp && (isExternalUpn(upn) || another)) || undefined,
  });
}

/**
 * The `idp` claim is present only when the user signed in through another provider than the token's
 * issuer: another tenant (`https://sts.windows.net/{their tenant}/`) or a consumer one (`live.com`).
 */
function fromAnotherProvider(claims: JsonObject): boolean {
  const idp = str(claims[IDP_CLAIM]) ?? str(claims["idp"]);
  if (idp === undefined) return false;
  const tenant = str(claims[TENANT_CLAIM]) ?? str(claims["tid"]);
  const issuer = str(claims["iss"]);
  if (issuer !== undefined && idp.toLowerCase() === issuer.toLowerCase()) return false;
  return tenant === undefined || !idp.toLowerCase().includes(tenant.toLowerCase());
}

/**
 * The `properties` object of an ARM request or response body. The activity log keys it `requestbody`
 * (REST) or `requestBody`, and the body itself uses `properties` or `Properties`.
 */
function bodyProperties(properties: JsonObject, preferred?: "responseBody"): JsonObject {
  const candidates =
    preferred === "responseBody"
      ? [properties["responseBody"], properties["requestbody"], properties["requestBody"]]
      : [properties["requestbody"], properties["requestBody"], properties["responseBody"]];
  for (const candidate of candidates) {
    const body = obj(candidate);
    if (body === undefined) continue;
    return obj(field(body, "properties")) ?? body;
  }
  return {};
}

/**
 * The scope before `/providers/Microsoft.Authorization/roleAssignments/` in the whole resource id (not its
 * capped start, which may have lost that part), itself capped like any field.
 */
function scopeOfAssignment(resourceId: unknown): string | undefined {
  if (typeof resourceId !== "string") return undefined;
  const at = resourceId.toLowerCase().indexOf("/providers/microsoft.authorization/roleassignments/");
  if (at < 0) return undefined;
  return at === 0 ? "/" : capped(resourceId.slice(0, at));
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "True") return true;
  if (value === "false" || value === "False") return false;
  return undefined;
}

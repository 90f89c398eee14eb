import type { SimTenant, SimUser } from "./people.js";

/**
 * Azure Activity Log `EventData` records as the REST API returns them, modelled field for field on the
 * captured samples in ../shared/samples/arm_activity_rest_*.json (claims, localized values, the
 * properties bag with requestbody / responseBody as JSON strings).
 */

type Json = Record<string, unknown>;

export interface ArmCall {
  tenant: SimTenant;
  caller: SimUser;
  callerIp: string;
  operation: string;
  localizedOperation: string;
  resourceId: string;
  subscriptionId: string;
  correlationId: string;
  eventDataId: string;
  time: string;
  phase: "BeginRequest" | "EndRequest";
  status: "Started" | "Accepted" | "Succeeded" | "Failed";
  subStatus?: { value: string; localizedValue: string };
  category?: "Administrative" | "Security";
  properties?: Json;
  /** Set when an app (service principal) called: the token then has no user and names the app. */
  appId?: string;
}

function ticks(time: string): string {
  // .NET ticks (100 ns since 0001-01-01), as the event id of a real activity log record ends with.
  return (BigInt(Date.parse(time)) * 10_000n + 621_355_968_000_000_000n).toString();
}

function claims(call: ArmCall): Json {
  const epoch = Math.floor(Date.parse(call.time) / 1000);
  return {
    aud: "https://management.core.windows.net/",
    iss: `https://sts.windows.net/${call.tenant.id}/`,
    iat: String(epoch - 300),
    nbf: String(epoch - 300),
    exp: String(epoch + 3600),
    "http://schemas.microsoft.com/claims/authnclassreference": "1",
    "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd",
    // An app's own token names the app; a person's names the portal they used.
    appid: call.appId ?? "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    appidacr: call.appId === undefined ? "0" : "1",
    ...(call.appId === undefined ? {} : { idtyp: "app" }),
    ipaddr: call.callerIp,
    name: call.caller.displayName,
    "http://schemas.microsoft.com/identity/claims/objectidentifier": call.caller.id,
    // A person's token is delegated (its scopes); an app's own token has roles instead, no scope.
    ...(call.appId === undefined
      ? { "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation" }
      : { roles: [] }),
    "http://schemas.microsoft.com/identity/claims/tenantid": call.tenant.id,
    ...(call.appId === undefined
      ? {
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": call.caller.userPrincipalName,
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": call.caller.userPrincipalName,
        }
      : {}),
    ver: "1.0",
  };
}

export function armEvent(call: ArmCall): Json {
  const provider = call.operation.split("/")[0] ?? call.operation;
  const resourceType = call.operation.split("/").slice(0, -1).join("/");
  const group = /\/resourceGroups\/([^/]+)/i.exec(call.resourceId)?.[1] ?? "";
  return {
    authorization: { action: call.operation, scope: call.resourceId },
    caller: call.caller.userPrincipalName,
    channels: "Operation",
    claims: claims(call),
    correlationId: call.correlationId,
    description: "",
    eventDataId: call.eventDataId,
    eventName: {
      value: call.phase,
      localizedValue: call.phase === "BeginRequest" ? "Begin request" : "End request",
    },
    category: { value: call.category ?? "Administrative", localizedValue: call.category ?? "Administrative" },
    eventTimestamp: call.time,
    id: `${call.resourceId}/events/${call.eventDataId}/ticks/${ticks(call.time)}`,
    level: "Informational",
    operationId: call.correlationId,
    operationName: { value: call.operation, localizedValue: call.localizedOperation },
    resourceGroupName: group,
    resourceProviderName: { value: provider, localizedValue: provider },
    resourceType: { value: resourceType, localizedValue: resourceType },
    resourceId: call.resourceId,
    status: { value: call.status, localizedValue: call.status },
    subStatus: call.subStatus ?? { value: "", localizedValue: "" },
    submissionTimestamp: new Date(Date.parse(call.time) + 60_000).toISOString(),
    subscriptionId: call.subscriptionId,
    tenantId: call.tenant.id,
    properties: {
      eventCategory: call.category ?? "Administrative",
      entity: call.resourceId,
      message: call.operation,
      hierarchy: `${call.tenant.id}/${call.subscriptionId}`,
      ...call.properties,
    },
    relatedEvents: [],
  };
}

type CallFields = Omit<
  ArmCall,
  "operation" | "localizedOperation" | "resourceId" | "phase" | "status" | "properties"
>;

/** A role assignment: the Started event carries the request body with the principal and role. */
export function roleAssignmentWrite(
  f: CallFields & {
    assignmentId: string;
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    principalType: string;
  },
): Json[] {
  const resourceId = `${f.scope === "/" ? "" : f.scope}/providers/Microsoft.Authorization/roleAssignments/${f.assignmentId}`;
  const body = {
    properties: {
      roleDefinitionId: `${f.scope === "/" ? "" : f.scope}/providers/Microsoft.Authorization/roleDefinitions/${f.roleDefinitionId}`,
      principalId: f.principalId,
      principalType: f.principalType,
      scope: f.scope,
    },
  };
  const base = {
    ...f,
    operation: "Microsoft.Authorization/roleAssignments/write",
    localizedOperation: "Create role assignment",
    resourceId,
  };
  return [
    armEvent({
      ...base,
      phase: "BeginRequest",
      status: "Started",
      properties: { requestbody: JSON.stringify(body) },
    }),
    armEvent({
      ...base,
      eventDataId: `${f.eventDataId.slice(0, -4)}e0d1`,
      time: new Date(Date.parse(f.time) + 2_000).toISOString(),
      phase: "EndRequest",
      status: "Succeeded",
      subStatus: { value: "Created", localizedValue: "Created (HTTP Status Code: 201)" },
      properties: { statusCode: "Created", responseBody: JSON.stringify({ ...body, id: resourceId }) },
    }),
  ];
}

export function vmWrite(f: CallFields & { resourceGroup: string; vmName: string; vmSize?: string }): Json {
  const resourceId = `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${f.vmName}`;
  return armEvent({
    ...f,
    operation: "Microsoft.Compute/virtualMachines/write",
    localizedOperation: "Create or Update Virtual Machine",
    resourceId,
    phase: "EndRequest",
    status: "Accepted",
    subStatus: { value: "OK", localizedValue: "OK (HTTP Status Code: 200)" },
    properties: {
      statusCode: "OK",
      serviceRequestId: null,
      responseBody: JSON.stringify({
        name: f.vmName,
        id: resourceId,
        type: "Microsoft.Compute/virtualMachines",
        location: "westeurope",
        properties: {
          hardwareProfile: { vmSize: f.vmSize ?? "Standard_B1s" },
          provisioningState: "Creating",
        },
      }),
    },
  });
}

export function createVmValidation(f: CallFields & { resourceGroup: string; vmName: string }): Json {
  const resourceId = `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}/providers/Microsoft.Resources/deployments/CreateVm-${f.vmName}-20260101000000`;
  return armEvent({
    ...f,
    operation: "Microsoft.Resources/deployments/validate/action",
    localizedOperation: "Validate Deployment",
    resourceId,
    phase: "EndRequest",
    status: "Succeeded",
  });
}

export function resourceGroupWrite(f: CallFields & { resourceGroup: string }): Json {
  const resourceId = `/subscriptions/${f.subscriptionId}/resourcegroups/${f.resourceGroup}`;
  return armEvent({
    ...f,
    operation: "Microsoft.Resources/subscriptions/resourcegroups/write",
    localizedOperation: "Update resource group",
    resourceId,
    phase: "EndRequest",
    status: "Succeeded",
    subStatus: { value: "Created", localizedValue: "Created (HTTP Status Code: 201)" },
    properties: {
      statusCode: "Created",
      responseBody: JSON.stringify({
        id: resourceId,
        name: f.resourceGroup,
        type: "Microsoft.Resources/resourceGroups",
        location: "eastus",
      }),
    },
  });
}

/** Subscription creation through the alias API, as the tenant activity log records it. */
export function subscriptionAliasWrite(f: CallFields & { aliasName: string }): Json {
  const resourceId = `/providers/Microsoft.Subscription/aliases/${f.aliasName}`;
  return armEvent({
    ...f,
    operation: "Microsoft.Subscription/aliases/write",
    localizedOperation: "Create Alias",
    resourceId,
    phase: "EndRequest",
    status: "Succeeded",
    properties: {
      statusCode: "Created",
      responseBody: JSON.stringify({
        id: resourceId,
        name: f.aliasName,
        properties: { subscriptionId: f.subscriptionId, provisioningState: "Succeeded" },
      }),
    },
  });
}

/** The subscription leaves the directory: category Security, the route in `properties.message`. */
export function subscriptionUpdateTenant(f: CallFields & { toTenantId: string }): Json {
  return armEvent({
    ...f,
    category: "Security",
    operation: "Microsoft.Subscription/updateTenant/action",
    localizedOperation: "Update tenant",
    resourceId: `/subscriptions/${f.subscriptionId}`,
    phase: "EndRequest",
    status: "Succeeded",
    properties: {
      message: `Subscription ${f.subscriptionId} moved from tenant ${f.tenant.id} to tenant ${f.toTenantId}`,
    },
  });
}

export function subscriptionPolicyWrite(
  f: CallFields & { blockLeaving: boolean; blockEntering: boolean },
): Json {
  return armEvent({
    ...f,
    operation: "Microsoft.Subscription/policies/write",
    localizedOperation: "Update tenant subscription policy",
    resourceId: "/providers/Microsoft.Subscription/policies/default",
    phase: "BeginRequest",
    status: "Started",
    properties: {
      requestbody: JSON.stringify({
        properties: {
          blockSubscriptionsLeavingTenant: f.blockLeaving,
          blockSubscriptionsIntoTenant: f.blockEntering,
          exemptedPrincipals: [],
        },
      }),
    },
  });
}

export function elevateAccess(f: CallFields): Json {
  return armEvent({
    ...f,
    operation: "Microsoft.Authorization/elevateAccess/action",
    localizedOperation: "Assigns the caller to User Access Administrator role",
    resourceId: "/providers/Microsoft.Authorization",
    phase: "EndRequest",
    status: "Succeeded",
  });
}

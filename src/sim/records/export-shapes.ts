/**
 * The same records as other pipes deliver them: Entra diagnostic-settings exports, Log Analytics /
 * Sentinel tables, Defender's CloudAppEvents. Used to prove that every shape gives the same findings.
 * Shapes follow ../shared/samples/entra_diagnostic_settings_fixtures.json and Microsoft's table schemas.
 */

type Json = Record<string, unknown>;

const s = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const o = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** Diagnostic exports write "2024-09-23 14:33:09.0496611" with no zone. */
function diagnosticTime(iso: string): string {
  return iso.replace("T", " ").replace("Z", "");
}

export function diagnosticAudit(audit: Json, tenantId: string): Json {
  const time = diagnosticTime(s(audit["activityDateTime"]) ?? "");
  const user = o(o(audit["initiatedBy"])["user"]);
  return {
    time,
    resourceId: `/tenants/${tenantId}/providers/Microsoft.aadiam`,
    operationName: audit["activityDisplayName"],
    operationVersion: "1.0",
    category: "AuditLogs",
    tenantId,
    resultSignature: "None",
    durationMs: 0,
    callerIpAddress: user["ipAddress"] ?? null,
    correlationId: audit["correlationId"],
    Level: 4,
    properties: { ...audit, activityDateTime: time },
  };
}

export function diagnosticSignIn(signIn: Json, tenantId: string): Json {
  const { riskEventTypes_v2, ...rest } = signIn;
  return {
    time: diagnosticTime(s(signIn["createdDateTime"]) ?? ""),
    resourceId: `/tenants/${tenantId}/providers/Microsoft.aadiam`,
    operationName: "Sign-in activity",
    operationVersion: "1.0",
    category: "SignInLogs",
    tenantId,
    resultType: String(o(signIn["status"])["errorCode"] ?? "0"),
    resultSignature: "SUCCESS",
    callerIpAddress: signIn["ipAddress"],
    correlationId: signIn["correlationId"],
    Level: "4",
    properties: { ...rest, riskEventTypes: riskEventTypes_v2 },
  };
}

export function diagnosticActivity(event: Json): Json {
  const claims = o(event["claims"]);
  return {
    time: event["eventTimestamp"],
    resourceId: event["resourceId"],
    operationName: o(event["operationName"])["value"],
    category: o(event["category"])["value"],
    resultType: o(event["status"])["value"],
    resultSignature: o(event["subStatus"])["value"],
    durationMs: 0,
    callerIpAddress: claims["ipaddr"],
    correlationId: event["correlationId"],
    identity: { authorization: event["authorization"], claims },
    level: event["level"],
    tenantId: event["tenantId"],
    properties: event["properties"],
  };
}

export function logAnalyticsAudit(audit: Json, tenantId: string): Json {
  return {
    TenantId: tenantId,
    TimeGenerated: audit["activityDateTime"],
    OperationName: audit["activityDisplayName"],
    OperationVersion: "1.0",
    Category: audit["category"],
    Result: audit["result"],
    ResultReason: audit["resultReason"],
    ActivityDisplayName: audit["activityDisplayName"],
    ActivityDateTime: audit["activityDateTime"],
    Id: audit["id"],
    CorrelationId: audit["correlationId"],
    LoggedByService: audit["loggedByService"],
    OperationType: audit["operationType"],
    // Dynamic columns come out of a CSV/JSON export as JSON text.
    InitiatedBy: JSON.stringify(audit["initiatedBy"]),
    TargetResources: JSON.stringify(audit["targetResources"]),
    AdditionalDetails: JSON.stringify(audit["additionalDetails"]),
    SourceSystem: "Azure AD",
    Type: "AuditLogs",
  };
}

export function logAnalyticsSignIn(signIn: Json, tenantId: string): Json {
  const status = o(signIn["status"]);
  return {
    TenantId: tenantId,
    TimeGenerated: signIn["createdDateTime"],
    CreatedDateTime: signIn["createdDateTime"],
    Id: signIn["id"],
    UserPrincipalName: signIn["userPrincipalName"],
    UserDisplayName: signIn["userDisplayName"],
    UserId: signIn["userId"],
    IPAddress: signIn["ipAddress"],
    AppDisplayName: signIn["appDisplayName"],
    CorrelationId: signIn["correlationId"],
    RiskLevelAggregated: signIn["riskLevelAggregated"],
    RiskLevelDuringSignIn: signIn["riskLevelDuringSignIn"],
    RiskState: signIn["riskState"],
    RiskEventTypes_V2: JSON.stringify(signIn["riskEventTypes_v2"] ?? []),
    ResultType: String(status["errorCode"] ?? "0"),
    Status: JSON.stringify(status),
    Type: "SigninLogs",
  };
}

const ACTIVITY_STATUS: Record<string, string> = {
  Started: "Start",
  Accepted: "Accept",
  Succeeded: "Success",
  Failed: "Failure",
};

export function logAnalyticsActivity(event: Json): Json {
  const status = s(o(event["status"])["value"]) ?? "";
  return {
    TenantId: event["tenantId"],
    TimeGenerated: event["eventTimestamp"],
    // AzureActivity writes the operation upper-case; the localized name beside it.
    OperationNameValue: (s(o(event["operationName"])["value"]) ?? "").toUpperCase(),
    OperationName: o(event["operationName"])["localizedValue"],
    ActivityStatusValue: ACTIVITY_STATUS[status] ?? status,
    ActivitySubstatusValue: o(event["subStatus"])["value"],
    CategoryValue: o(event["category"])["value"],
    Caller: event["caller"],
    CallerIpAddress: o(event["claims"])["ipaddr"],
    CorrelationId: event["correlationId"],
    EventDataId: event["eventDataId"],
    SubscriptionId: event["subscriptionId"],
    _ResourceId: (s(event["resourceId"]) ?? "").toLowerCase(),
    Properties: JSON.stringify(event["properties"]),
    Properties_d: event["properties"],
    Claims: JSON.stringify(event["claims"]),
    Authorization: JSON.stringify(event["authorization"]),
    Level: event["level"],
    Type: "AzureActivity",
  };
}

/** A directory audit as Defender's CloudAppEvents shows it: the unified audit log record in RawEventData. */
export function cloudAppEvent(audit: Json, tenantId: string): Json {
  const actor = o(o(audit["initiatedBy"])["user"]);
  const targets = Array.isArray(audit["targetResources"]) ? (audit["targetResources"] as Json[]) : [];
  const user = targets.find((t) => s(t["type"])?.toLowerCase() === "user") ?? {};
  const role = targets.find((t) => s(t["type"])?.toLowerCase() === "role") ?? {};
  const modified = [
    ...(Array.isArray(user["modifiedProperties"]) ? (user["modifiedProperties"] as Json[]) : []),
    ...(Array.isArray(role["modifiedProperties"]) ? (role["modifiedProperties"] as Json[]) : []),
  ];
  const plain = (v: unknown) => {
    if (typeof v !== "string") return "";
    try {
      const parsed: unknown = JSON.parse(v);
      return typeof parsed === "string" ? parsed : v;
    } catch {
      return v;
    }
  };
  const operation = `${s(audit["activityDisplayName"])}.`;
  const time = s(audit["activityDateTime"]) ?? "";
  const details = Array.isArray(audit["additionalDetails"]) ? (audit["additionalDetails"] as Json[]) : [];
  return {
    Timestamp: time,
    ActionType: operation,
    Application: "Microsoft 365",
    ApplicationId: 11161,
    AccountObjectId: actor["id"],
    AccountDisplayName: actor["displayName"],
    IPAddress: actor["ipAddress"],
    ReportId: `${audit["id"]}`,
    RawEventData: {
      CreationTime: time.replace("Z", "").slice(0, 19),
      Id: `${audit["id"]}`,
      Operation: operation,
      OrganizationId: tenantId,
      RecordType: 8,
      ResultStatus: s(audit["result"]) === "success" ? "Success" : "Failure",
      UserKey: `${actor["id"]}`,
      UserType: 0,
      Workload: "AzureActiveDirectory",
      ObjectId: user["userPrincipalName"] ?? user["id"],
      UserId: actor["userPrincipalName"],
      Actor: [
        { ID: actor["userPrincipalName"], Type: 5 },
        { ID: actor["id"], Type: 2 },
      ],
      Target: [
        { ID: `User_${user["id"]}`, Type: 2 },
        { ID: user["id"], Type: 2 },
        { ID: user["userPrincipalName"], Type: 5 },
      ],
      ModifiedProperties: modified.map((p) => ({
        Name: p["displayName"],
        NewValue: plain(p["newValue"]),
        OldValue: plain(p["oldValue"]),
      })),
      ExtendedProperties: details.map((d) => ({ Name: d["key"], Value: d["value"] })),
    },
  };
}

/** Graph's risk level names as Defender's sign-in tables number them (Learn: RiskLevelAggregated). */
const RISK_NUMBER: Readonly<Record<string, number>> = { none: 1, low: 10, medium: 50, high: 100 };

/**
 * A sign-in as Defender XDR's `AADSignInEventsBeta` row shows it (Learn, advanced hunting schema): PascalCase
 * columns, numeric risk levels, `ErrorCode` an integer, `ReportId` the row's id.
 */
export function defenderSignIn(signIn: Json, tenantId: string): Json {
  const status = o(signIn["status"]);
  const level = (v: unknown) => (typeof v === "string" ? (RISK_NUMBER[v] ?? 0) : 0);
  return {
    Timestamp: signIn["createdDateTime"],
    Application: signIn["appDisplayName"],
    ApplicationId: signIn["appId"] ?? "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    LogonType: '["interactiveUser"]',
    ErrorCode: Number(status["errorCode"] ?? 0),
    CorrelationId: signIn["correlationId"],
    SessionId: signIn["correlationId"],
    AccountDisplayName: signIn["userDisplayName"],
    AccountObjectId: signIn["userId"],
    AccountUpn: signIn["userPrincipalName"],
    IsExternalUser: /#ext#/i.test(String(signIn["userPrincipalName"] ?? "")) ? 1 : 0,
    IPAddress: signIn["ipAddress"],
    RiskLevelAggregated: level(signIn["riskLevelAggregated"]),
    RiskLevelDuringSignIn: level(signIn["riskLevelDuringSignIn"]),
    RiskEventTypes: JSON.stringify(signIn["riskEventTypes_v2"] ?? []),
    ResourceTenantId: tenantId,
    RequestId: signIn["id"],
    ReportId: `${String(signIn["id"])}-report`,
  };
}

/**
 * An Activity Log event as Defender XDR's CloudAppEvents shows it (Defender for Cloud Apps' Azure
 * connector): `Application` "Microsoft Azure" (12260), `ActionType` "<Verb> <ResourceType>" as in
 * "Write Deployments" and "ElevateAccess Microsoft.Authorization", the subscription and resource group
 * among `ActivityObjects`, and the event itself in `RawEventData` with `httpRequest` and `authorization`
 * as JSON text.
 */
export function cloudAppAzureEvent(event: Json, tenantId: string): Json {
  const operation = s(o(event["operationName"])["value"]) ?? "";
  const claims = o(event["claims"]);
  const resourceId = s(event["resourceId"]) ?? "";
  const group = /\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1];
  const oid = claims["http://schemas.microsoft.com/identity/claims/objectidentifier"];
  return {
    Timestamp: event["eventTimestamp"],
    ActionType: actionTypeOf(operation),
    Application: "Microsoft Azure",
    ApplicationId: 12260,
    AccountObjectId: oid,
    AccountId: oid,
    AccountDisplayName: claims["name"] ?? event["caller"],
    IPAddress: claims["ipaddr"],
    ActivityType: "Basic",
    ObjectType: "Resource",
    ActivityObjects: [
      ...(event["subscriptionId"]
        ? [{ Type: "Azure Subscription", Id: event["subscriptionId"], Role: "Parent" }]
        : []),
      ...(group === undefined ? [] : [{ Type: "Azure Resource Group", Name: group, Role: "Parent" }]),
    ],
    ReportId: event["eventDataId"],
    TenantId: tenantId,
    RawEventData: {
      operationName: operation,
      resourceId,
      subscriptionId: event["subscriptionId"],
      correlationId: event["correlationId"],
      eventDataId: event["eventDataId"],
      eventTimestamp: event["eventTimestamp"],
      status: o(event["status"])["value"],
      caller: event["caller"],
      claims,
      authorization: JSON.stringify(event["authorization"] ?? {}),
      ...(event["httpRequest"] === undefined ? {} : { httpRequest: JSON.stringify(event["httpRequest"]) }),
      category: o(event["category"])["value"],
      tenantId: event["tenantId"],
      properties: event["properties"],
    },
  };
}

/** `Microsoft.Compute/virtualMachines/write` as Defender names it: "Write VirtualMachines". */
function actionTypeOf(operation: string): string {
  const parts = operation.split("/");
  const verb = parts.at(-1) === "action" ? (parts.at(-2) ?? "") : (parts.at(-1) ?? "");
  const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
  if (/elevateaccess/i.test(operation)) return "ElevateAccess Microsoft.Authorization";
  if (/resourcegroups\/write$/i.test(operation)) return "Write ResourceGroup";
  const type = parts.at(parts.at(-1) === "action" ? -3 : -2) ?? "";
  return `${cap(verb)} ${cap(type)}`;
}

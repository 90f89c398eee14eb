import type { SimTenant, SimUser } from "./people.js";

/**
 * Microsoft Graph records as the API returns them (see ../shared/samples/graph_directoryaudits_examples.json
 * and the signIn / riskDetection resources in graph-v1.0.csdl). Values in `modifiedProperties` are
 * JSON-encoded strings, as in the real log.
 */

type Json = Record<string, unknown>;

export interface AuditBase {
  id: string;
  time: string;
  actor: SimUser;
  correlationId: string;
  result?: "success" | "failure";
}

function initiatedBy(actor: SimUser): Json {
  return {
    user: {
      id: actor.id,
      displayName: actor.displayName,
      userPrincipalName: actor.userPrincipalName,
      ipAddress: actor.ipAddress ?? null,
    },
    app: null,
  };
}

function audit(base: AuditBase, fields: Json): Json {
  return {
    id: base.id,
    category: "UserManagement",
    correlationId: base.correlationId,
    result: base.result ?? "success",
    resultReason: "",
    activityDisplayName: "",
    activityDateTime: base.time,
    loggedByService: "Core Directory",
    operationType: "Add",
    initiatedBy: initiatedBy(base.actor),
    targetResources: [],
    additionalDetails: [],
    ...fields,
  };
}

function userTarget(user: SimUser, modifiedProperties: Json[] = []): Json {
  return {
    id: user.id,
    displayName: user.displayName,
    type: "User",
    userPrincipalName: user.userPrincipalName,
    modifiedProperties,
  };
}

export function inviteExternalUser(base: AuditBase, guest: SimUser): Json {
  return audit(base, {
    activityDisplayName: "Invite external user",
    loggedByService: "Invited Users",
    targetResources: [
      {
        id: guest.id,
        displayName: guest.displayName,
        type: "User",
        userPrincipalName: null,
        modifiedProperties: [],
      },
    ],
    additionalDetails: [
      { key: "invitedUserEmailAddress", value: guest.mail ?? guest.userPrincipalName },
      { key: "InvitationId", value: base.correlationId },
    ],
  });
}

export function addUser(base: AuditBase, user: SimUser, enabled = true): Json {
  return audit(base, {
    activityDisplayName: "Add user",
    targetResources: [
      userTarget(user, [
        { displayName: "AccountEnabled", oldValue: "[]", newValue: `[${enabled}]` },
        {
          displayName: "UserPrincipalName",
          oldValue: "[]",
          newValue: JSON.stringify([user.userPrincipalName]),
        },
        { displayName: "UserType", oldValue: "[]", newValue: JSON.stringify([user.userType]) },
      ]),
    ],
  });
}

export function updateUser(base: AuditBase, user: SimUser): Json {
  return audit(base, {
    activityDisplayName: "Update user",
    operationType: "Update",
    targetResources: [
      userTarget(user, [{ displayName: "Department", oldValue: '["Sales"]', newValue: '["Finance"]' }]),
    ],
  });
}

export function addMemberToGroup(
  base: AuditBase,
  user: SimUser,
  group: { id: string; displayName: string },
): Json {
  return audit(base, {
    category: "GroupManagement",
    activityDisplayName: "Add member to group",
    targetResources: [
      { id: group.id, displayName: group.displayName, type: "Group", modifiedProperties: [] },
      userTarget(user),
    ],
  });
}

export interface RoleGrant {
  roleTemplateId: string;
  roleDisplayName: string;
  /** Eligible (PIM) rather than active. */
  eligible?: boolean;
  /** As PIM logs it (role target with TemplateId, "... in PIM completed (permanent)") rather than Core Directory. */
  viaPim?: boolean;
}

/** "Add member to role" (Core Directory) or its PIM counterpart, with the role where each service puts it. */
export function addMemberToRole(base: AuditBase, member: SimUser, grant: RoleGrant): Json {
  const q = (v: string) => JSON.stringify(v);
  if (grant.viaPim === true) {
    const name =
      grant.eligible === true
        ? "Add eligible member to role in PIM completed (permanent)"
        : "Add member to role in PIM completed (permanent)";
    return audit(base, {
      category: "RoleManagement",
      activityDisplayName: name,
      loggedByService: "PIM",
      operationType: grant.eligible === true ? "AssignEligibleRole" : "Assign",
      targetResources: [
        {
          id: grant.roleTemplateId,
          displayName: grant.roleDisplayName,
          type: "Role",
          modifiedProperties: [
            { displayName: "RoleDefinitionOriginType", oldValue: q(""), newValue: q("BuiltInRole") },
            { displayName: "TemplateId", oldValue: q(""), newValue: q(grant.roleTemplateId) },
          ],
        },
        { id: base.correlationId, type: "Request", modifiedProperties: [] },
        userTarget(member),
      ],
      additionalDetails: [
        { key: "TemplateId", value: grant.roleTemplateId },
        { key: "Justification", value: "access request" },
      ],
    });
  }
  return audit(base, {
    category: "RoleManagement",
    activityDisplayName: grant.eligible === true ? "Add eligible member to role" : "Add member to role",
    operationType: grant.eligible === true ? "AssignEligibleRole" : "Assign",
    targetResources: [
      userTarget(member, [
        { displayName: "Role.ObjectID", oldValue: null, newValue: q(base.correlationId) },
        { displayName: "Role.DisplayName", oldValue: null, newValue: q(grant.roleDisplayName) },
        { displayName: "Role.TemplateId", oldValue: null, newValue: q(grant.roleTemplateId) },
        {
          displayName: "Role.WellKnownObjectName",
          oldValue: null,
          newValue: q(grant.roleDisplayName.replace(/ /g, "")),
        },
      ]),
      { id: base.correlationId, displayName: grant.roleDisplayName, type: "Role", modifiedProperties: [] },
    ],
  });
}

export interface SignInFields {
  id: string;
  time: string;
  user: SimUser;
  ipAddress: string;
  riskAggregated?: string;
  riskDuringSignIn?: string;
  riskEventTypes?: string[];
  errorCode?: number;
  appDisplayName?: string;
  /** Where Entra placed the address; the seed's office (Redmond) unless the scenario says otherwise. */
  location?: { city: string; countryOrRegion: string };
}

/**
 * The tenant's conditional-access policies, as every sign-in lists them: Graph reports each policy with
 * its result for that sign-in, applied or not. A modest tenant has eight; many have dozens.
 */
const CONDITIONAL_ACCESS_POLICIES = [
  ["Require MFA for administrators", ["Mfa"]],
  ["Block legacy authentication", ["Block"]],
  ["Require compliant device for Office 365", ["RequireCompliantDevice"]],
  ["Require MFA for Azure management", ["Mfa"]],
  ["Block sign-ins from sanctioned countries", ["Block"]],
  ["Require terms of use for guests", ["termsOfUse"]],
  ["Sign-in frequency for unmanaged devices", []],
  ["Require password change for high user risk", ["PasswordChange"]],
] as const;

function appliedPolicies(seed: string): Json[] {
  return CONDITIONAL_ACCESS_POLICIES.map(([displayName, controls], index) => ({
    id: `${seed.slice(0, 8)}-${String(index).padStart(4, "0")}-4000-8000-00000000c0a${index}`,
    displayName,
    enforcedGrantControls: [...controls],
    enforcedSessionControls: index === 6 ? ["SignInFrequency"] : [],
    result: index === 1 ? "notEnabled" : "notApplied",
  }));
}

/** A v1.0 `signIn` with every property the schema defines (graph-v1.0.csdl), as Graph returns it. */
export function signIn(f: SignInFields): Json {
  const risky = (f.riskDuringSignIn ?? "none") !== "none";
  return {
    id: f.id,
    createdDateTime: f.time,
    userDisplayName: f.user.displayName,
    userPrincipalName: f.user.userPrincipalName,
    userId: f.user.id,
    appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    appDisplayName: f.appDisplayName ?? "Azure Portal",
    ipAddress: f.ipAddress,
    clientAppUsed: "Browser",
    userAgent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    correlationId: f.id,
    conditionalAccessStatus: "notApplied",
    isInteractive: true,
    riskDetail: risky ? "none" : "none",
    riskLevelAggregated: f.riskAggregated ?? "none",
    riskLevelDuringSignIn: f.riskDuringSignIn ?? "none",
    riskState: risky ? "atRisk" : "none",
    riskEventTypes: (f.riskEventTypes ?? []).filter((t) => RISK_EVENT_TYPE_ENUM.has(t)),
    riskEventTypes_v2: f.riskEventTypes ?? [],
    resourceDisplayName: "Windows Azure Service Management API",
    resourceId: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    resourceTenantId: null,
    homeTenantId: null,
    servicePrincipalId: "",
    servicePrincipalName: null,
    authenticationAppDeviceDetails: null,
    status: {
      errorCode: f.errorCode ?? 0,
      failureReason: f.errorCode
        ? "Invalid username or password or Invalid on-premise username or password."
        : "Other.",
      additionalDetails: f.errorCode ? "The user didn't enter the right credentials." : null,
    },
    deviceDetail: {
      deviceId: "",
      displayName: "",
      operatingSystem: "Windows10",
      browser: "Edge 131.0.0",
      isCompliant: false,
      isManaged: false,
      trustType: "",
    },
    location:
      f.location === undefined
        ? {
            city: "Redmond",
            state: "Washington",
            countryOrRegion: "US",
            geoCoordinates: { altitude: null, latitude: 47.6801, longitude: -122.1206 },
          }
        : { ...f.location, state: null, geoCoordinates: null },
    appliedConditionalAccessPolicies: appliedPolicies(f.id),
  };
}

/** Values of the v1.0 `riskEventType` enum; newer types appear only in riskEventTypes_v2. */
const RISK_EVENT_TYPE_ENUM = new Set([
  "unlikelyTravel",
  "anonymizedIPAddress",
  "maliciousIPAddress",
  "unfamiliarFeatures",
  "malwareInfectedIPAddress",
  "suspiciousIPAddress",
  "leakedCredentials",
  "investigationsThreatIntelligence",
  "generic",
  "adminConfirmedUserCompromised",
  "mcasImpossibleTravel",
  "mcasSuspiciousInboxManipulationRules",
  "investigationsThreatIntelligenceSigninLinked",
  "maliciousIPAddressValidCredentialsBlockedIP",
]);

export function riskDetection(f: {
  id: string;
  time: string;
  user: SimUser;
  ipAddress: string;
  riskEventType: string;
  riskLevel: string;
}): Json {
  return {
    id: f.id,
    requestId: f.id,
    correlationId: f.id,
    riskEventType: f.riskEventType,
    riskState: "atRisk",
    riskLevel: f.riskLevel,
    riskDetail: "none",
    source: "IdentityProtection",
    detectionTimingType: "realtime",
    activity: "signin",
    tokenIssuerType: "AzureAD",
    ipAddress: f.ipAddress,
    activityDateTime: f.time,
    detectedDateTime: f.time,
    lastUpdatedDateTime: f.time,
    userId: f.user.id,
    userDisplayName: f.user.displayName,
    userPrincipalName: f.user.userPrincipalName,
    additionalInfo: "[]",
    location: { city: "Unknown", countryOrRegion: "NL" },
  };
}

export type { SimTenant, SimUser };

/**
 * A Defender XDR alert as Graph's `security/alerts_v2` gives it (Learn: security-list-alerts_v2's example
 * and the v1.0 CSDL's `microsoft.graph.security.alert`): the users it is about as `userEvidence`, the
 * subscriptions as `azureResourceEvidence`, the addresses as `ipEvidence`. Written when the alert is,
 * after the activity it saw.
 */
export function securityAlert(f: {
  id: string;
  tenant: SimTenant;
  /** When the alert was written (and last updated). */
  time: string;
  firstActivity: string;
  lastActivity: string;
  title: string;
  severity: "informational" | "low" | "medium" | "high";
  serviceSource: string;
  detectionSource: string;
  category: string;
  users: SimUser[];
  subscriptionIds: string[];
  ipAddresses: string[];
}): Json {
  const base = (odataType: string, roles: string[]) => ({
    "@odata.type": `#microsoft.graph.security.${odataType}`,
    createdDateTime: f.time,
    verdict: "suspicious",
    remediationStatus: "none",
    remediationStatusDetails: null,
    roles,
    detailedRoles: [],
    tags: [],
  });
  return {
    "@odata.type": "#microsoft.graph.security.alert",
    id: f.id,
    providerAlertId: f.id,
    incidentId: String(1000 + (Number.parseInt(f.id.slice(2, 8), 16) % 9000)),
    status: "new",
    severity: f.severity,
    classification: null,
    determination: null,
    serviceSource: f.serviceSource,
    detectionSource: f.detectionSource,
    detectorId: null,
    tenantId: f.tenant.id,
    title: f.title,
    description: `${f.title}.`,
    recommendedActions: null,
    category: f.category,
    assignedTo: null,
    alertWebUrl: `https://security.microsoft.com/alerts/${f.id}?tid=${f.tenant.id}`,
    incidentWebUrl: null,
    actorDisplayName: null,
    threatDisplayName: null,
    threatFamilyName: null,
    mitreTechniques: [],
    createdDateTime: f.time,
    lastUpdateDateTime: f.time,
    resolvedDateTime: null,
    firstActivityDateTime: f.firstActivity,
    lastActivityDateTime: f.lastActivity,
    comments: [],
    evidence: [
      ...f.users.map((u) => ({
        ...base("userEvidence", ["compromised"]),
        userAccount: {
          accountName: u.userPrincipalName.split("@")[0],
          domainName: u.userPrincipalName.split("@")[1],
          userSid: null,
          azureAdUserId: u.id,
          userPrincipalName: u.userPrincipalName,
          displayName: u.displayName,
        },
      })),
      ...f.subscriptionIds.map((s) => ({
        ...base("azureResourceEvidence", ["contextual"]),
        resourceId: `/subscriptions/${s}`,
        resourceName: s,
        resourceType: "Subscription",
      })),
      ...f.ipAddresses.map((ip) => ({
        ...base("ipEvidence", ["attacker"]),
        ipAddress: ip,
        countryLetterCode: null,
      })),
    ],
    systemTags: [],
  };
}

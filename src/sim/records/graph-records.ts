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
}

export function signIn(f: SignInFields): Json {
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
    correlationId: f.id,
    conditionalAccessStatus: "notApplied",
    isInteractive: true,
    riskDetail: "none",
    riskLevelAggregated: f.riskAggregated ?? "none",
    riskLevelDuringSignIn: f.riskDuringSignIn ?? "none",
    riskState: (f.riskDuringSignIn ?? "none") === "none" ? "none" : "atRisk",
    riskEventTypes_v2: f.riskEventTypes ?? [],
    resourceDisplayName: "Windows Azure Service Management API",
    resourceId: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    status: {
      errorCode: f.errorCode ?? 0,
      failureReason: f.errorCode ? "Invalid username or password." : null,
      additionalDetails: null,
    },
    location: { city: "Redmond", state: "Washington", countryOrRegion: "US", geoCoordinates: null },
  };
}

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

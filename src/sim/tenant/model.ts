import type { SimUser } from "../records/people.js";

/**
 * The objects of the simulated tenant, held as Microsoft Graph and ARM describe them (property names from
 * graph-v1.0.csdl and the ARM 2022-04-01 / 2021-10-01 schemas), so routes return them as they are.
 */

export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  userType: "Member" | "Guest";
  accountEnabled: boolean;
  createdDateTime: string;
  creationType: string | null;
  externalUserState: string | null;
  signInSessionsValidFromDateTime: string;
  /** Not a Graph property of users: where the simulator keeps who invited a guest, for its ground truth. */
  invitedBy?: string;
  /** When the user last signed in, shown as Graph's `signInActivity` when selected. */
  lastSignIn?: string;
  /**
   * The last interactive sign-in attempt, failed ones included, when later than the last success: Graph's
   * `signInActivity.lastSignInDateTime` counts attempts ("signInActivity resource type"), while
   * `lastSuccessfulSignInDateTime` counts successes only.
   */
  lastSignInAttempt?: string;
  /**
   * The authentication methods the user has registered, as Graph's `userRegistrationDetails.methodsRegistered`
   * names them (`microsoftAuthenticatorPush`, `softwareOneTimePasscode`, `fido2`, `mobilePhone`, `email`...).
   * Absent: none registered, as for an account that never went through registration.
   */
  methodsRegistered?: string[];
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  isAssignableToRole: boolean;
  groupTypes: string[];
  createdDateTime: string;
  /** Object ids of the direct members: users, or groups nested in this one. */
  members: Set<string>;
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /**
   * Present when PIM made it (an administrator's schedule request, or an eligible user's activation):
   * such an assignment is taken away through a schedule request, not DELETE (issue 18, point 9).
   */
  schedule?: { assignmentType: "Assigned" | "Activated"; startDateTime: string; endDateTime: string | null };
}

/** A PIM schedule's end, as Graph returns it in `scheduleInfo.expiration`. */
export type ScheduleExpiration = { type: "noExpiration" } | { type: "afterDateTime"; endDateTime: string };

export interface RoleEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  memberType: "Direct" | "Group";
  status: "Provisioned";
  createdDateTime: string;
  scheduleInfo: { startDateTime: string; expiration: ScheduleExpiration };
}

export interface ConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: "enabled" | "disabled" | "enabledForReportingButNotEnforced";
  createdDateTime: string;
  modifiedDateTime: string | null;
  conditions: Record<string, unknown>;
  grantControls: Record<string, unknown> | null;
  sessionControls: Record<string, unknown> | null;
}

export interface RiskyUser {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  riskLevel: "low" | "medium" | "high";
  riskState: "atRisk" | "confirmedCompromised" | "remediated" | "dismissed";
  riskDetail: string;
  riskLastUpdatedDateTime: string;
  isDeleted: boolean;
  isProcessing: boolean;
}

export interface AzureRoleAssignment {
  /** The GUID name of the assignment. */
  name: string;
  scope: string;
  /** The role definition's GUID. */
  roleDefinitionGuid: string;
  principalId: string;
  principalType: "User" | "Group" | "ServicePrincipal";
  createdOn: string;
  createdBy: string | null;
}

/** An Azure PIM eligibility (ARM's RoleEligibilityScheduleInstance), keyed like an assignment. */
export interface AzureRoleEligibility {
  /** The GUID name of the schedule. */
  name: string;
  scope: string;
  roleDefinitionGuid: string;
  principalId: string;
  principalType: "User" | "Group" | "ServicePrincipal";
  startDateTime: string;
  /** null: no expiry. */
  endDateTime: string | null;
  createdOn: string;
}

export interface AzureRoleDefinition {
  guid: string;
  roleName: string;
  type: "BuiltInRole" | "CustomRole";
  description: string;
  actions: string[];
}

export interface SubscriptionPolicy {
  blockSubscriptionsLeavingTenant: boolean;
  blockSubscriptionsIntoTenant: boolean;
  exemptedPrincipals: string[];
  updatedAt: string | null;
  /** ARM's systemData.lastModifiedBy: a user's sign-in name, or an app's client id. */
  updatedBy: string | null;
  updatedByType: "User" | "Application" | null;
}

/**
 * What a scenario step does to the tenant, beside the log records it writes. The records say what
 * happened; these make the next read of the directory show it.
 */
export type DirectoryEffect =
  | { type: "user-created"; user: SimUser; enabled: boolean; invitedBy?: string }
  | { type: "entra-role-granted"; principalId: string; roleDefinitionId: string; eligible: boolean }
  | {
      type: "azure-role-assigned";
      name: string;
      scope: string;
      roleDefinitionGuid: string;
      principalId: string;
      createdBy: string;
    }
  | { type: "subscription-created"; subscriptionId: string; displayName: string }
  | { type: "subscription-moved"; subscriptionId: string; toTenantId: string }
  | { type: "transfer-policy-written"; blockLeaving: boolean; blockEntering: boolean; by: string }
  | { type: "user-at-risk"; userId: string; level: "low" | "medium" | "high" };

/** Who changes the tenant: a person (scenarios) or an app calling the APIs (Warden). */
export type ChangeActor =
  | { kind: "user"; user: SimUser }
  | { kind: "app"; appId: string; servicePrincipalId: string; displayName: string };

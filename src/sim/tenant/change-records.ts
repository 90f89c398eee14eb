import { armEvent } from "../records/arm-records.js";
import type { SimTenant, SimUser } from "../records/people.js";
import type { ChangeActor, DirectoryUser } from "./model.js";

/**
 * The log records Microsoft writes when the tenant is changed through its APIs: Entra directory audits
 * (Core Directory, PIM, Conditional Access) and Azure activity log events, with the app that called as
 * the initiator. Names and shapes as in the real logs (see ../shared/samples).
 */

type Json = Record<string, unknown>;

export interface ChangeContext {
  id: string;
  time: string;
  correlationId: string;
  actor: ChangeActor;
}

function initiatedBy(actor: ChangeActor): Json {
  if (actor.kind === "user") {
    return {
      user: {
        id: actor.user.id,
        displayName: actor.user.displayName,
        userPrincipalName: actor.user.userPrincipalName,
        ipAddress: actor.user.ipAddress ?? null,
      },
      app: null,
    };
  }
  return {
    user: null,
    app: {
      appId: actor.appId,
      displayName: actor.displayName,
      servicePrincipalId: actor.servicePrincipalId,
      servicePrincipalName: actor.displayName,
    },
  };
}

function audit(ctx: ChangeContext, fields: Json): Json {
  return {
    id: ctx.id,
    category: "UserManagement",
    correlationId: ctx.correlationId,
    result: "success",
    resultReason: "",
    activityDisplayName: "",
    activityDateTime: ctx.time,
    loggedByService: "Core Directory",
    operationType: "Update",
    initiatedBy: initiatedBy(ctx.actor),
    targetResources: [],
    additionalDetails: [],
    ...fields,
  };
}

const q = (value: unknown) => JSON.stringify(value);

function userTarget(user: DirectoryUser, modifiedProperties: Json[] = []): Json {
  return {
    id: user.id,
    displayName: user.displayName,
    type: "User",
    userPrincipalName: user.userPrincipalName,
    modifiedProperties,
  };
}

/** "Disable account" / "Enable account", each followed in the log by its "Update user". */
export function accountEnabledChanged(ctx: ChangeContext, user: DirectoryUser, enabled: boolean): Json[] {
  const change = {
    displayName: "AccountEnabled",
    oldValue: q([!enabled]),
    newValue: q([enabled]),
  };
  return [
    audit(ctx, {
      activityDisplayName: enabled ? "Enable account" : "Disable account",
      targetResources: [userTarget(user, [change])],
    }),
    audit(
      { ...ctx, id: `${ctx.id}-u` },
      {
        activityDisplayName: "Update user",
        targetResources: [
          userTarget(user, [
            change,
            { displayName: "Included Updated Properties", newValue: q("AccountEnabled") },
          ]),
        ],
      },
    ),
  ];
}

export function sessionsRevoked(ctx: ChangeContext, user: DirectoryUser): Json {
  return audit(ctx, {
    activityDisplayName: "Invalidate all refresh tokens for user",
    targetResources: [userTarget(user)],
  });
}

export function groupCreated(ctx: ChangeContext, group: { id: string; displayName: string }): Json {
  return audit(ctx, {
    category: "GroupManagement",
    activityDisplayName: "Add group",
    operationType: "Add",
    targetResources: [
      {
        id: group.id,
        displayName: group.displayName,
        type: "Group",
        modifiedProperties: [
          { displayName: "DisplayName", oldValue: "[]", newValue: q([group.displayName]) },
        ],
      },
    ],
  });
}

export function groupMembershipChanged(
  ctx: ChangeContext,
  group: { id: string; displayName: string },
  member: DirectoryUser,
  added: boolean,
): Json {
  return audit(ctx, {
    category: "GroupManagement",
    activityDisplayName: added ? "Add member to group" : "Remove member from group",
    operationType: added ? "Assign" : "Unassign",
    targetResources: [
      userTarget(member, [
        {
          displayName: "Group.DisplayName",
          oldValue: added ? null : q(group.displayName),
          newValue: added ? q(group.displayName) : null,
        },
      ]),
      { id: group.id, displayName: group.displayName, type: "Group", modifiedProperties: [] },
    ],
  });
}

export interface RoleChange {
  roleDefinitionId: string;
  roleDisplayName: string;
  principal: { id: string; displayName: string; userPrincipalName?: string; type: "User" | "Group" };
  eligible: boolean;
  added: boolean;
}

/** Active assignments are Core Directory's; eligibilities are PIM's. */
export function roleMembershipChanged(ctx: ChangeContext, change: RoleChange): Json {
  const target = {
    id: change.principal.id,
    displayName: change.principal.displayName,
    type: change.principal.type,
    userPrincipalName: change.principal.userPrincipalName ?? null,
    modifiedProperties: [
      {
        displayName: "Role.DisplayName",
        oldValue: change.added ? null : q(change.roleDisplayName),
        newValue: change.added ? q(change.roleDisplayName) : null,
      },
      {
        displayName: "Role.TemplateId",
        oldValue: change.added ? null : q(change.roleDefinitionId),
        newValue: change.added ? q(change.roleDefinitionId) : null,
      },
    ],
  };
  const role = {
    id: change.roleDefinitionId,
    displayName: change.roleDisplayName,
    type: "Role",
    modifiedProperties: [],
  };
  if (change.eligible) {
    return audit(ctx, {
      category: "RoleManagement",
      loggedByService: "PIM",
      activityDisplayName: change.added
        ? "Add eligible member to role in PIM completed (permanent)"
        : "Remove eligible member from role in PIM completed (permanent)",
      operationType: change.added ? "AssignEligibleRole" : "RemoveEligibleRole",
      targetResources: [role, target],
      additionalDetails: [{ key: "TemplateId", value: change.roleDefinitionId }],
    });
  }
  return audit(ctx, {
    category: "RoleManagement",
    activityDisplayName: change.added ? "Add member to role" : "Remove member from role",
    operationType: change.added ? "Assign" : "Unassign",
    targetResources: [target, role],
  });
}

export function conditionalAccessPolicyChanged(
  ctx: ChangeContext,
  policy: { id: string; displayName: string; state: string },
  change: "Add" | "Update" | "Delete",
): Json {
  const verb = change === "Add" ? "Add" : change === "Update" ? "Update" : "Delete";
  return audit(ctx, {
    category: "Policy",
    loggedByService: "Conditional Access",
    activityDisplayName: `${verb} conditional access policy`,
    operationType: change,
    targetResources: [
      {
        id: policy.id,
        displayName: policy.displayName,
        type: "Policy",
        modifiedProperties: [{ displayName: "State", oldValue: null, newValue: q(policy.state) }],
      },
    ],
  });
}

/** The caller of an ARM operation as the activity log claims show it. */
export function armCaller(actor: ChangeActor): { caller: SimUser; appId?: string } {
  if (actor.kind === "user") return { caller: actor.user };
  return {
    // An app's activity is logged with its service principal's object id as the caller.
    caller: {
      id: actor.servicePrincipalId,
      userPrincipalName: actor.servicePrincipalId,
      displayName: actor.displayName,
      userType: "Member",
    },
    appId: actor.appId,
  };
}

export interface ArmChangeContext {
  tenant: SimTenant;
  actor: ChangeActor;
  callerIp: string;
  correlationId: string;
  eventDataId: string;
  time: string;
}

function armCall(ctx: ArmChangeContext, subscriptionId: string) {
  const { caller, appId } = armCaller(ctx.actor);
  return {
    tenant: ctx.tenant,
    caller,
    callerIp: ctx.callerIp,
    subscriptionId,
    correlationId: ctx.correlationId,
    eventDataId: ctx.eventDataId,
    time: ctx.time,
    ...(appId === undefined ? {} : { appId }),
  };
}

/** A role assignment deleted (or created again by an undo): the End record with the assignment's body. */
export function roleAssignmentChanged(
  ctx: ArmChangeContext,
  assignment: {
    id: string;
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    principalType: string;
  },
  deleted: boolean,
): Json {
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(assignment.scope)?.[1] ?? "";
  const body = {
    properties: {
      roleDefinitionId: assignment.roleDefinitionId,
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      scope: assignment.scope,
    },
    id: assignment.id,
  };
  return armEvent({
    ...armCall(ctx, subscriptionId),
    operation: deleted
      ? "Microsoft.Authorization/roleAssignments/delete"
      : "Microsoft.Authorization/roleAssignments/write",
    localizedOperation: deleted ? "Delete role assignment" : "Create role assignment",
    resourceId: assignment.id,
    phase: "EndRequest",
    status: "Succeeded",
    subStatus: deleted
      ? { value: "OK", localizedValue: "OK (HTTP Status Code: 200)" }
      : { value: "Created", localizedValue: "Created (HTTP Status Code: 201)" },
    properties: deleted
      ? { statusCode: "OK", responseBody: JSON.stringify(body) }
      : { statusCode: "Created", requestbody: JSON.stringify(body), responseBody: JSON.stringify(body) },
  });
}

/** The tenant subscription policy written: the SDK sends the policy's fields flat, as the log shows. */
export function subscriptionPolicyChanged(
  ctx: ArmChangeContext,
  policy: {
    blockSubscriptionsLeavingTenant: boolean;
    blockSubscriptionsIntoTenant: boolean;
    exemptedPrincipals: string[];
  },
): Json {
  return armEvent({
    ...armCall(ctx, ""),
    operation: "Microsoft.Subscription/policies/write",
    localizedOperation: "Update tenant subscription policy",
    resourceId: "/providers/Microsoft.Subscription/policies/default",
    phase: "EndRequest",
    status: "Succeeded",
    // The request as sent (flat, PutTenantPolicyRequestProperties) and ARM's answer, the policy resource
    // with its properties nested (GetTenantPolicyResponse), as a write's EndRequest record carries them.
    properties: {
      statusCode: "OK",
      requestbody: JSON.stringify(policy),
      responseBody: JSON.stringify({
        id: "/providers/Microsoft.Subscription/policies/default",
        name: "default",
        type: "Microsoft.Subscription/policies",
        properties: policy,
      }),
    },
  });
}

/**
 * An Azure PIM eligibility request (PUT roleEligibilityScheduleRequests/{name}): ARM logs the request's
 * write, 201, with the body Warden's detector reads (principal, role, requestType).
 */
export function roleEligibilityRequested(
  ctx: ArmChangeContext,
  request: {
    id: string;
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    principalType: string;
    requestType: "AdminAssign" | "AdminRemove";
  },
): Json {
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(request.scope)?.[1] ?? "";
  const body = {
    properties: {
      principalId: request.principalId,
      roleDefinitionId: request.roleDefinitionId,
      requestType: request.requestType,
    },
  };
  const response = {
    properties: {
      ...body.properties,
      principalType: request.principalType,
      scope: request.scope,
      status: "Provisioned",
    },
    id: request.id,
  };
  return armEvent({
    ...armCall(ctx, subscriptionId),
    operation: "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
    localizedOperation: "Create role eligibility schedule request",
    resourceId: request.id,
    phase: "EndRequest",
    status: "Succeeded",
    subStatus: { value: "Created", localizedValue: "Created (HTTP Status Code: 201)" },
    properties: {
      statusCode: "Created",
      requestbody: JSON.stringify(body),
      responseBody: JSON.stringify(response),
    },
  });
}

import { randomUUID } from "node:crypto";
import type { SimSubscription } from "../cloud/arm-routes.js";
import { eventKeyOf, type PublishedLogs } from "../cloud/published-logs.js";
import type { SimTenant } from "../records/people.js";
import type { Stream } from "../scenarios/script.js";
import {
  SIM_AZURE_ROLE,
  SIM_AZURE_ROLE_NAMES,
  SIM_ENTRA_ROLE,
  SIM_ENTRA_ROLE_NAMES,
} from "./builtin-roles.js";
import * as change from "./change-records.js";
import type {
  AzureRoleAssignment,
  AzureRoleDefinition,
  AzureRoleEligibility,
  ChangeActor,
  ConditionalAccessPolicy,
  DirectoryEffect,
  DirectoryGroup,
  DirectoryUser,
  RiskyUser,
  RoleAssignment,
  RoleEligibility,
  ScheduleExpiration,
  SubscriptionPolicy,
} from "./model.js";
import { DEFAULT_ROLE_SETTINGS, type RoleSettings } from "./pim-settings.js";

const READER = "acdd72a7-3374-466b-9977-a0d26dd5d9d4";

/** Built-in Azure roles the simulator knows, with the actions that decide whether they are privileged. */
const BUILT_IN_AZURE_ROLES: AzureRoleDefinition[] = [
  { guid: SIM_AZURE_ROLE.owner, actions: ["*"] },
  { guid: SIM_AZURE_ROLE.contributor, actions: ["*"] },
  { guid: SIM_AZURE_ROLE.userAccessAdministrator, actions: ["*/read", "Microsoft.Authorization/*"] },
  { guid: SIM_AZURE_ROLE.rbacAdministrator, actions: ["Microsoft.Authorization/roleAssignments/write"] },
].map((r) => ({
  ...r,
  roleName: SIM_AZURE_ROLE_NAMES[r.guid] ?? r.guid,
  type: "BuiltInRole" as const,
  description: `Built-in role ${SIM_AZURE_ROLE_NAMES[r.guid] ?? r.guid}.`,
}));
BUILT_IN_AZURE_ROLES.push({
  guid: READER,
  roleName: "Reader",
  type: "BuiltInRole",
  description: "View all resources.",
  actions: ["*/read"],
});

/** One write the tenant took, for tests and benchmarks that count what Warden changed. */
export interface RecordedChange {
  at: number;
  actor: string;
  what: string;
  target: string;
}

export interface SimDirectoryOptions {
  tenant: SimTenant;
  logs: PublishedLogs;
  subscriptions: SimSubscription[];
  now: () => number;
  /** How long after a change its log record becomes readable. */
  publishDelayMs?: number;
}

/**
 * The simulated tenant's state: users, groups, Entra roles (active and eligible), conditional access,
 * risky users, Azure role assignments and the subscription transfer policy. Scenario effects arrive on a
 * schedule; API writes change the state at once and publish the log records Microsoft would write.
 */
export class SimDirectory {
  readonly tenant: SimTenant;
  readonly users = new Map<string, DirectoryUser>();
  readonly groups = new Map<string, DirectoryGroup>();
  readonly roleAssignments = new Map<string, RoleAssignment>();
  readonly eligibilities = new Map<string, RoleEligibility>();
  readonly caPolicies = new Map<string, ConditionalAccessPolicy>();
  readonly riskyUsers = new Map<string, RiskyUser>();
  /** Keyed by the assignment's full id in lower case. */
  readonly azureAssignments = new Map<string, AzureRoleAssignment>();
  readonly azureRoleDefinitions = new Map<string, AzureRoleDefinition>(
    BUILT_IN_AZURE_ROLES.map((r) => [r.guid, r]),
  );
  /** Azure PIM eligibilities, keyed by the schedule's full id in lower case. */
  readonly azureEligibilities = new Map<string, AzureRoleEligibility>();
  /** PIM role settings that differ from a new tenant's: Entra roles by definition id, Azure roles by GUID. */
  readonly entraRoleSettings = new Map<string, RoleSettings>();
  readonly azureRoleSettings = new Map<string, RoleSettings>();
  /**
   * Whether apps may read the root management group and `/`. An app given rights on subscriptions only
   * (docs/deploy.md allows it) is refused there with 403 AuthorizationFailed, as ARM refuses any scope
   * the caller holds no role at; tests turn this off to show Warden carries on (issue 18, point 3).
   */
  appsReadRootScope = true;
  /**
   * Whether Graph refuses, with 400, query syntax the role-management list pages do not show (`in` in a
   * `$filter`, `$top`). Graph accepts both today; tests turn this on to show Warden falls back to the
   * documented read (the whole list, filtered locally) should that change (issue 18, point 4).
   */
  refusesUndocumentedRoleQueries = false;
  /**
   * The tenant's Microsoft Entra ID edition. What needs P1 or P2 is refused on "free" as Graph refuses it
   * (src/sim/tenant/licence.ts): the authentication methods registration report, `signInActivity`, and
   * conditional access writes; risk-based conditional access needs P2. P2 by default, so that everything
   * the simulator serves is available unless a test takes it away.
   */
  licence: "free" | "P1" | "P2" = "P2";
  /**
   * Graph application permissions (app roles) the calling app has NOT been granted. Empty by default: the
   * app holds every permission. A read whose permission is here is refused with Graph's 403
   * (src/sim/tenant/app-permissions.ts), as when an administrator never consented to it.
   */
  readonly deniedPermissions = new Set<string>();
  /**
   * Security Defaults ("identitySecurityDefaultsEnforcementPolicy"): on in a new tenant, off in one that
   * uses conditional access, as Warden's must. While on, Graph refuses to create a conditional access
   * policy ("Security defaults in Microsoft Entra ID": they cannot be used together). Tests turn it on.
   */
  securityDefaultsEnabled = false;
  /** Conditional access named locations (IP ranges; `isTrusted` marks a tenant's trusted networks). */
  readonly namedLocations: { id: string; displayName: string; isTrusted: boolean; ipRanges: string[] }[] = [];
  /**
   * Entra is eventually consistent: an object just created is missing from the replica that answers the
   * next request for a few seconds (GET answers 404 "Resource '...' does not exist or one of its queried
   * reference-property objects are not present", lists leave it out, and adding a member to a new group
   * answers 400 "The source resource object or one of the objects being referenced do not exist"):
   * "Add members" (group-post-members, Note) and "Designing for eventual consistency for Microsoft Entra".
   * Groups and conditional access policies created through the API lag by this much (0 turns it off).
   */
  replicationLagMs = 3_000;
  private readonly createdAt = new Map<string, number>();
  /** When each user's sessions were really ended by a revocation (a member's; never a guest's). */
  private readonly sessionsEndedAt = new Map<string, number>();

  policy: SubscriptionPolicy = {
    blockSubscriptionsLeavingTenant: false,
    blockSubscriptionsIntoTenant: false,
    exemptedPrincipals: [],
    updatedAt: null,
    updatedBy: null,
    updatedByType: null,
  };
  /**
   * Global Administrators who elevated their access ("Access management for Azure resources": on).
   * Only they may write the transfer policy ("Manage Azure subscription policies", Prerequisites).
   */
  readonly elevatedAccess = new Set<string>();
  readonly changes: RecordedChange[] = [];
  /**
   * Called with each API write once the state has changed, before the answer is sent: resilience tests
   * use it to kill a worker between Microsoft's change and Warden recording it.
   */
  onChange: ((change: RecordedChange) => void) | undefined;
  private readonly pending: { time: number; effect: DirectoryEffect }[] = [];
  private readonly logs: PublishedLogs;
  readonly now: () => number;
  private readonly publishDelayMs: number;

  constructor(
    options: SimDirectoryOptions,
    readonly subscriptions: SimSubscription[] = options.subscriptions,
  ) {
    this.tenant = options.tenant;
    this.logs = options.logs;
    this.now = options.now;
    this.publishDelayMs = options.publishDelayMs ?? 0;
  }

  // ---- scenario effects -------------------------------------------------------------------------

  /** Scenario effects still to take hold (a transfer completes some seconds after its record). */
  get pendingEffects(): number {
    return this.pending.length;
  }

  /** When the next scenario effect takes hold (epoch ms), if one is still to. */
  get nextEffectAt(): number | undefined {
    return this.pending[0]?.time;
  }

  /** Queues an effect to take hold at `time` (epoch ms). */
  schedule(time: number, effect: DirectoryEffect): void {
    this.pending.push({ time, effect });
    this.pending.sort((a, b) => a.time - b.time);
  }

  /** Applies every scheduled effect due by now: called before each request is answered. */
  advance(): void {
    const now = this.now();
    while (this.pending.length > 0 && (this.pending[0]?.time ?? Number.POSITIVE_INFINITY) <= now) {
      const next = this.pending.shift();
      if (next !== undefined) this.apply(next.effect, next.time);
    }
  }

  /** Takes an effect into the state without writing log records (the scenario wrote them). */
  apply(effect: DirectoryEffect, time = this.now()): void {
    const iso = new Date(time).toISOString();
    switch (effect.type) {
      case "user-created": {
        const u = effect.user;
        // Invited or added just now: Graph answers 404 for it for a few seconds (replicationLagMs).
        this.createdAt.set(u.id, time);
        this.users.set(u.id, {
          id: u.id,
          displayName: u.displayName,
          userPrincipalName: u.userPrincipalName,
          mail: u.mail ?? null,
          userType: u.userType,
          accountEnabled: effect.enabled,
          createdDateTime: iso,
          creationType: u.userType === "Guest" ? "Invitation" : null,
          externalUserState: u.userType === "Guest" ? "Accepted" : null,
          signInSessionsValidFromDateTime: iso,
          ...(effect.invitedBy === undefined ? {} : { invitedBy: effect.invitedBy }),
        });
        return;
      }
      case "entra-role-granted":
        if (effect.eligible) this.addEligibility(effect.principalId, effect.roleDefinitionId, "/", iso);
        else this.addRoleAssignment(effect.principalId, effect.roleDefinitionId, "/");
        return;
      case "azure-role-assigned":
        this.azureAssignments.set(assignmentId(effect.scope, effect.name).toLowerCase(), {
          name: effect.name,
          scope: effect.scope,
          roleDefinitionGuid: effect.roleDefinitionGuid,
          principalId: effect.principalId,
          principalType: "User",
          createdOn: iso,
          createdBy: effect.createdBy,
        });
        return;
      case "subscription-created":
        if (!this.subscriptions.some((s) => s.subscriptionId === effect.subscriptionId)) {
          this.subscriptions.push({
            subscriptionId: effect.subscriptionId,
            displayName: effect.displayName,
            tenantId: this.tenant.id,
            state: "Enabled",
          });
        }
        return;
      case "subscription-moved": {
        const index = this.subscriptions.findIndex((s) => s.subscriptionId === effect.subscriptionId);
        // Moved to another directory: this tenant no longer sees it, its assignments went with it.
        if (index >= 0) this.subscriptions.splice(index, 1);
        for (const [id, a] of this.azureAssignments) {
          if (a.scope.toLowerCase() === `/subscriptions/${effect.subscriptionId}`)
            this.azureAssignments.delete(id);
        }
        return;
      }
      case "transfer-policy-written":
        this.policy = {
          ...this.policy,
          blockSubscriptionsLeavingTenant: effect.blockLeaving,
          blockSubscriptionsIntoTenant: effect.blockEntering,
          updatedAt: iso,
          updatedBy: this.users.get(effect.by)?.userPrincipalName ?? effect.by,
          updatedByType: "User",
        };
        return;
      case "user-at-risk": {
        const user = this.users.get(effect.userId);
        if (user === undefined) return;
        this.riskyUsers.set(user.id, {
          id: user.id,
          userPrincipalName: user.userPrincipalName,
          userDisplayName: user.displayName,
          riskLevel: effect.level,
          riskState: "atRisk",
          // What remediated the risk: nothing yet. The detection types are in the risk detections.
          riskDetail: "none",
          riskLastUpdatedDateTime: iso,
          isDeleted: false,
          isProcessing: false,
        });
        return;
      }
    }
  }

  addRoleAssignment(principalId: string, roleDefinitionId: string, directoryScopeId: string): RoleAssignment {
    const existing = [...this.roleAssignments.values()].find(
      (a) =>
        a.principalId === principalId &&
        a.roleDefinitionId === roleDefinitionId &&
        a.directoryScopeId === directoryScopeId,
    );
    if (existing !== undefined) return existing;
    // Graph's role assignment ids are opaque strings built from the role and the principal.
    const assignment = {
      id: `${randomUUID()}-${principalId.slice(0, 8)}`,
      principalId,
      roleDefinitionId,
      directoryScopeId,
    };
    this.roleAssignments.set(assignment.id, assignment);
    return assignment;
  }

  addEligibility(
    principalId: string,
    roleDefinitionId: string,
    directoryScopeId: string,
    iso: string,
    expiration: ScheduleExpiration = { type: "noExpiration" },
  ): RoleEligibility {
    const existing = [...this.eligibilities.values()].find(
      (e) =>
        e.principalId === principalId &&
        e.roleDefinitionId === roleDefinitionId &&
        e.directoryScopeId === directoryScopeId,
    );
    if (existing !== undefined) return existing;
    const eligibility: RoleEligibility = {
      id: randomUUID(),
      principalId,
      roleDefinitionId,
      directoryScopeId,
      memberType: "Direct",
      status: "Provisioned",
      createdDateTime: iso,
      scheduleInfo: { startDateTime: iso, expiration },
    };
    this.eligibilities.set(eligibility.id, eligibility);
    return eligibility;
  }

  // ---- API writes: change the state, record the change, publish the log records -----------------

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private record(actor: ChangeActor, what: string, target: string): void {
    const change = {
      at: this.now(),
      actor: actor.kind === "app" ? actor.appId : actor.user.id,
      what,
      target,
    };
    this.changes.push(change);
    this.onChange?.(change);
  }

  /** Writes a log record of something that happened outside the APIs (a seeded tenant's history). */
  logRecord(stream: Stream, record: Record<string, unknown>): void {
    this.publish(stream, record);
  }

  private publish(stream: Stream, record: Record<string, unknown>, subscriptionId?: string): void {
    const time = this.now();
    this.logs.publish({
      stream,
      time,
      visibleAt: time + this.publishDelayMs,
      record,
      ...(subscriptionId === undefined || subscriptionId === "" ? {} : { subscriptionId }),
      eventKey: eventKeyOf(stream, record),
    });
  }

  private auditContext(actor: ChangeActor): change.ChangeContext {
    return {
      id: `Directory_${randomUUID()}`,
      time: this.iso(),
      correlationId: randomUUID(),
      actor,
    };
  }

  private armContext(actor: ChangeActor): change.ArmChangeContext {
    return {
      tenant: this.tenant,
      actor,
      callerIp: "127.0.0.1",
      correlationId: randomUUID(),
      eventDataId: randomUUID(),
      time: this.iso(),
    };
  }

  /** Sets accountEnabled; returns whether it changed anything. */
  setAccountEnabled(actor: ChangeActor, userId: string, enabled: boolean): boolean {
    const user = this.users.get(userId);
    if (user === undefined || user.accountEnabled === enabled) return false;
    user.accountEnabled = enabled;
    this.record(actor, enabled ? "enable-account" : "disable-account", userId);
    for (const r of change.accountEnabledChanged(this.auditContext(actor), user, enabled)) {
      this.publish("directoryAudits", r);
    }
    return true;
  }

  /**
   * revokeSignInSessions: the user's refresh tokens issued before now stop working. An external user's
   * are not touched: "This API doesn't revoke sign-in sessions for external users, because external users
   * sign in through their home tenant" (Graph, user: revokeSignInSessions). Their sessions here stay valid
   * (`sessionsEndedAt` keeps no entry); only disabling the account shuts them out.
   */
  revokeSessions(actor: ChangeActor, userId: string): void {
    const user = this.users.get(userId);
    if (user === undefined) return;
    user.signInSessionsValidFromDateTime = this.iso();
    if (user.userType !== "Guest" && !/#ext#/i.test(user.userPrincipalName))
      this.sessionsEndedAt.set(userId, this.now());
    this.record(actor, "revoke-sessions", userId);
    this.publish("directoryAudits", change.sessionsRevoked(this.auditContext(actor), user));
  }

  /** Whether a user can still use a session it held before `since`: not once revoked (a member) or disabled. */
  sessionStillWorks(userId: string, since: number): boolean {
    const user = this.users.get(userId);
    if (user === undefined || !user.accountEnabled) return false;
    const ended = this.sessionsEndedAt.get(userId);
    return ended === undefined || ended < since;
  }

  /** An object the API just created: it lags until `replicationLagMs` has passed. */
  justCreated(id: string): void {
    this.createdAt.set(id, this.now());
  }

  /** Whether an object created through the API has reached every replica (always, for the seed's). */
  replicated(id: string): boolean {
    const at = this.createdAt.get(id);
    return at === undefined || this.now() - at >= this.replicationLagMs;
  }

  createGroup(
    actor: ChangeActor,
    fields: { displayName: string; mailNickname: string; description?: string; isAssignableToRole?: boolean },
  ): DirectoryGroup {
    const group: DirectoryGroup = {
      id: randomUUID(),
      displayName: fields.displayName,
      description: fields.description ?? null,
      mailNickname: fields.mailNickname,
      mailEnabled: false,
      securityEnabled: true,
      isAssignableToRole: fields.isAssignableToRole ?? false,
      groupTypes: [],
      createdDateTime: this.iso(),
      members: new Set(),
    };
    this.groups.set(group.id, group);
    this.record(actor, "create-group", group.id);
    this.publish("directoryAudits", change.groupCreated(this.auditContext(actor), group));
    return group;
  }

  /** Adds or removes a member; returns false when that was already the case. */
  setGroupMember(actor: ChangeActor, groupId: string, memberId: string, member: boolean): boolean {
    const group = this.groups.get(groupId);
    const user = this.users.get(memberId);
    if (group === undefined || user === undefined) return false;
    if (group.members.has(memberId) === member) return false;
    if (member) group.members.add(memberId);
    else group.members.delete(memberId);
    this.record(actor, member ? "add-group-member" : "remove-group-member", `${groupId}/${memberId}`);
    this.publish(
      "directoryAudits",
      change.groupMembershipChanged(this.auditContext(actor), group, user, member),
    );
    return true;
  }

  private principalOf(id: string): change.RoleChange["principal"] {
    const user = this.users.get(id);
    if (user !== undefined) {
      return { id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, type: "User" };
    }
    const group = this.groups.get(id);
    return { id, displayName: group?.displayName ?? id, type: "Group" };
  }

  createRoleAssignmentBy(
    actor: ChangeActor,
    principalId: string,
    roleDefinitionId: string,
    directoryScopeId: string,
  ): RoleAssignment {
    const before = this.roleAssignments.size;
    const assignment = this.addRoleAssignment(principalId, roleDefinitionId, directoryScopeId);
    if (this.roleAssignments.size > before) {
      this.record(actor, "add-directory-role", assignment.id);
      this.publishRoleChange(actor, assignment, false, true);
    }
    return assignment;
  }

  /**
   * DELETE of an active assignment. One PIM made (a schedule request or an activation) is refused: PIM
   * owns its schedule, and removing it is an `adminRemove` schedule request ("unifiedRoleAssignmentSchedule
   * Request resource type": "Represents a request for an active role assignment ... permanently active ...
   * or temporarily active after activation"; issue 18, point 9).
   */
  deleteRoleAssignment(actor: ChangeActor, id: string): RoleAssignment | "managed-by-pim" | undefined {
    const assignment = this.roleAssignments.get(id);
    if (assignment === undefined) return undefined;
    if (assignment.schedule !== undefined) return "managed-by-pim";
    this.roleAssignments.delete(id);
    this.record(actor, "remove-directory-role", id);
    this.publishRoleChange(actor, assignment, false, false);
    return assignment;
  }

  /** PIM's adminAssign / adminRemove of an eligibility; returns the schedule touched, if any. */
  changeEligibility(
    actor: ChangeActor,
    action: "adminAssign" | "adminRemove",
    principalId: string,
    roleDefinitionId: string,
    directoryScopeId: string,
    expiration: ScheduleExpiration = { type: "noExpiration" },
  ): RoleEligibility | undefined {
    const existing = [...this.eligibilities.values()].find(
      (e) =>
        e.principalId === principalId &&
        e.roleDefinitionId === roleDefinitionId &&
        e.directoryScopeId === directoryScopeId,
    );
    if (action === "adminRemove") {
      if (existing === undefined) return undefined;
      this.eligibilities.delete(existing.id);
      this.record(actor, "remove-eligibility", existing.id);
      this.publishRoleChange(actor, existing, true, false);
      return existing;
    }
    if (existing !== undefined) return existing;
    const created = this.addEligibility(
      principalId,
      roleDefinitionId,
      directoryScopeId,
      this.iso(),
      expiration,
    );
    this.record(actor, "add-eligibility", created.id);
    this.publishRoleChange(actor, created, true, true);
    return created;
  }

  /**
   * PIM's adminAssign / adminRemove of an active assignment (roleAssignmentScheduleRequests); returns the
   * assignment touched, if any. What adminAssign makes is PIM's: DELETE will not take it away.
   */
  requestActiveAssignment(
    actor: ChangeActor,
    action: "adminAssign" | "adminRemove",
    role: { principalId: string; roleDefinitionId: string; directoryScopeId: string },
    endDateTime: string | null = null,
  ): RoleAssignment | undefined {
    const existing = [...this.roleAssignments.values()].find(
      (a) =>
        a.principalId === role.principalId &&
        a.roleDefinitionId === role.roleDefinitionId &&
        a.directoryScopeId === role.directoryScopeId,
    );
    if (action === "adminRemove") {
      if (existing === undefined) return undefined;
      this.roleAssignments.delete(existing.id);
      this.record(actor, "remove-directory-role", existing.id);
      this.publishRoleChange(actor, existing, false, false);
      return existing;
    }
    if (existing !== undefined) return existing;
    const created = this.addRoleAssignment(role.principalId, role.roleDefinitionId, role.directoryScopeId);
    created.schedule = { assignmentType: "Assigned", startDateTime: this.iso(), endDateTime };
    this.record(actor, "add-directory-role", created.id);
    this.publishRoleChange(actor, created, false, true);
    return created;
  }

  /**
   * An eligible user activates their role for `hours` (PIM's selfActivate): an active assignment that
   * PIM made and ends by itself. Throws when the user is not eligible, as PIM refuses it.
   */
  activateEligibility(userId: string, roleDefinitionId: string, hours: number): RoleAssignment {
    const eligible = [...this.eligibilities.values()].some(
      (e) =>
        e.principalId === userId && e.roleDefinitionId === roleDefinitionId && e.directoryScopeId === "/",
    );
    if (!eligible) throw new Error(`${userId} is not eligible for ${roleDefinitionId}: nothing to activate`);
    const user = this.users.get(userId);
    if (user === undefined) throw new Error(`no user ${userId}`);
    const created = this.addRoleAssignment(userId, roleDefinitionId, "/");
    created.schedule = {
      assignmentType: "Activated",
      startDateTime: this.iso(),
      endDateTime: new Date(this.now() + hours * 3_600_000).toISOString(),
    };
    const { id, userPrincipalName, displayName, userType } = user;
    const actor: ChangeActor = { kind: "user", user: { id, userPrincipalName, displayName, userType } };
    this.record(actor, "activate-directory-role", created.id);
    this.publishRoleChange(actor, created, false, true);
    return created;
  }

  /** The Entra role definitions the tenant has (built-in only). */
  entraRoleIds(): string[] {
    return Object.keys(SIM_ENTRA_ROLE_NAMES);
  }

  /** The PIM settings of an Entra role (by definition id) or an Azure role (by GUID). */
  roleSettings(kind: "entra" | "azure", roleId: string): RoleSettings {
    const settings = kind === "entra" ? this.entraRoleSettings : this.azureRoleSettings;
    return settings.get(roleId.toLowerCase()) ?? DEFAULT_ROLE_SETTINGS;
  }

  /**
   * Azure PIM: AdminAssign or AdminRemove of an eligibility at `scope` (roleEligibilityScheduleRequests);
   * returns the eligibility touched, or undefined when AdminRemove finds none. Logged in the activity log
   * as the request's write, the way ARM logs any PUT.
   */
  requestAzureEligibility(
    actor: ChangeActor,
    request: {
      name: string;
      scope: string;
      requestType: "AdminAssign" | "AdminRemove";
      roleDefinitionGuid: string;
      principalId: string;
      principalType: AzureRoleEligibility["principalType"];
      endDateTime: string | null;
      /** When it takes effect: now by default, or later (PIM's scheduleInfo.startDateTime). */
      startDateTime?: string;
    },
  ): AzureRoleEligibility | undefined {
    const existing = [...this.azureEligibilities.entries()].find(
      ([, e]) =>
        e.scope.toLowerCase() === request.scope.toLowerCase() &&
        e.principalId === request.principalId &&
        e.roleDefinitionGuid === request.roleDefinitionGuid,
    );
    let touched: AzureRoleEligibility | undefined = existing?.[1];
    if (request.requestType === "AdminRemove") {
      if (existing === undefined) return undefined;
      this.azureEligibilities.delete(existing[0]);
      this.record(actor, "remove-azure-eligibility", existing[0]);
    } else if (existing === undefined) {
      touched = {
        name: randomUUID(),
        scope: request.scope,
        roleDefinitionGuid: request.roleDefinitionGuid,
        principalId: request.principalId,
        principalType: request.principalType,
        startDateTime: request.startDateTime ?? this.iso(),
        endDateTime: request.endDateTime,
        createdOn: this.iso(),
      };
      const id = eligibilityId(touched.scope, touched.name).toLowerCase();
      this.azureEligibilities.set(id, touched);
      this.record(actor, "create-azure-eligibility", id);
    }
    const record = change.roleEligibilityRequested(this.armContext(actor), {
      id: `${request.scope === "/" ? "" : request.scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/${request.name}`,
      scope: request.scope,
      roleDefinitionId: roleDefinitionId(request.scope, request.roleDefinitionGuid),
      principalId: request.principalId,
      principalType: request.principalType,
      requestType: request.requestType,
    });
    this.publish("activity", record, /^\/subscriptions\/([^/]+)/i.exec(request.scope)?.[1]);
    return touched;
  }

  private publishRoleChange(
    actor: ChangeActor,
    role: { principalId: string; roleDefinitionId: string },
    eligible: boolean,
    added: boolean,
  ): void {
    this.publish(
      "directoryAudits",
      change.roleMembershipChanged(this.auditContext(actor), {
        roleDefinitionId: role.roleDefinitionId,
        roleDisplayName: SIM_ENTRA_ROLE_NAMES[role.roleDefinitionId] ?? role.roleDefinitionId,
        principal: this.principalOf(role.principalId),
        eligible,
        added,
      }),
    );
  }

  createCaPolicy(
    actor: ChangeActor,
    body: Omit<ConditionalAccessPolicy, "id" | "createdDateTime" | "modifiedDateTime">,
  ): ConditionalAccessPolicy {
    const policy: ConditionalAccessPolicy = {
      ...body,
      id: randomUUID(),
      createdDateTime: this.iso(),
      modifiedDateTime: null,
    };
    this.caPolicies.set(policy.id, policy);
    this.record(actor, "create-ca-policy", policy.id);
    this.publish(
      "directoryAudits",
      change.conditionalAccessPolicyChanged(this.auditContext(actor), policy, "Add"),
    );
    return policy;
  }

  updateCaPolicy(
    actor: ChangeActor,
    id: string,
    patch: Partial<ConditionalAccessPolicy>,
  ): ConditionalAccessPolicy | undefined {
    const policy = this.caPolicies.get(id);
    if (policy === undefined) return undefined;
    Object.assign(policy, patch, {
      id: policy.id,
      createdDateTime: policy.createdDateTime,
      modifiedDateTime: this.iso(),
    });
    this.record(actor, "update-ca-policy", id);
    this.publish(
      "directoryAudits",
      change.conditionalAccessPolicyChanged(this.auditContext(actor), policy, "Update"),
    );
    return policy;
  }

  deleteCaPolicy(actor: ChangeActor, id: string): boolean {
    const policy = this.caPolicies.get(id);
    if (policy === undefined) return false;
    this.caPolicies.delete(id);
    this.record(actor, "delete-ca-policy", id);
    this.publish(
      "directoryAudits",
      change.conditionalAccessPolicyChanged(this.auditContext(actor), policy, "Delete"),
    );
    return true;
  }

  /** Creates an Azure role assignment; an identical one under another name is a conflict, as in ARM. */
  putAzureAssignment(
    actor: ChangeActor,
    assignment: Omit<AzureRoleAssignment, "createdOn" | "createdBy">,
  ): { outcome: "created" | "exists"; assignment: AzureRoleAssignment } | { outcome: "conflict" } {
    const id = assignmentId(assignment.scope, assignment.name).toLowerCase();
    const same = this.azureAssignments.get(id);
    if (same !== undefined) return { outcome: "exists", assignment: same };
    const duplicate = [...this.azureAssignments.values()].some(
      (a) =>
        a.scope.toLowerCase() === assignment.scope.toLowerCase() &&
        a.principalId === assignment.principalId &&
        a.roleDefinitionGuid === assignment.roleDefinitionGuid,
    );
    if (duplicate) return { outcome: "conflict" };
    const created: AzureRoleAssignment = {
      ...assignment,
      createdOn: this.iso(),
      createdBy: actor.kind === "app" ? actor.servicePrincipalId : actor.user.id,
    };
    this.azureAssignments.set(id, created);
    this.record(actor, "create-azure-role", id);
    this.publishAzureChange(actor, created, false);
    return { outcome: "created", assignment: created };
  }

  deleteAzureAssignment(actor: ChangeActor, id: string): AzureRoleAssignment | undefined {
    const assignment = this.azureAssignments.get(id.toLowerCase());
    if (assignment === undefined) return undefined;
    this.azureAssignments.delete(id.toLowerCase());
    this.record(actor, "delete-azure-role", id.toLowerCase());
    this.publishAzureChange(actor, assignment, true);
    return assignment;
  }

  private publishAzureChange(actor: ChangeActor, a: AzureRoleAssignment, deleted: boolean): void {
    const record = change.roleAssignmentChanged(
      this.armContext(actor),
      {
        id: assignmentId(a.scope, a.name),
        scope: a.scope,
        roleDefinitionId: roleDefinitionId(a.scope, a.roleDefinitionGuid),
        principalId: a.principalId,
        principalType: a.principalType,
      },
      deleted,
    );
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1];
    this.publish("activity", record, subscriptionId);
  }

  /**
   * Whether `actor` may write the tenant's transfer policy. "Only directory global administrators with
   * direct role assignment can edit subscription policies. Before editing subscription policies, the
   * global administrator must Elevate access" ("Manage Azure subscription policies", Microsoft Cost
   * Management docs, Prerequisites). An app never can: elevation is a per-user action.
   */
  mayWriteTransferPolicy(actor: ChangeActor): boolean {
    return (
      actor.kind === "user" &&
      this.isDirectGlobalAdministrator(actor.user.id) &&
      this.elevatedAccess.has(actor.user.id)
    );
  }

  /** "Elevate access to manage all Azure subscriptions and management groups": Global Administrators only. */
  elevateAccess(userId: string): void {
    if (!this.isDirectGlobalAdministrator(userId))
      throw new Error(
        `${userId} is not a Global Administrator by direct assignment: it cannot elevate access`,
      );
    this.elevatedAccess.add(userId);
  }

  private isDirectGlobalAdministrator(userId: string): boolean {
    return [...this.roleAssignments.values()].some(
      (a) =>
        a.principalId === userId &&
        a.roleDefinitionId === SIM_ENTRA_ROLE.globalAdministrator &&
        a.directoryScopeId === "/",
    );
  }

  /**
   * A Global Administrator at the portal: elevates access, then sets the transfer policy (what the card
   * asks of one, issue 18 point 1). Refused, as the portal refuses, for anyone else.
   */
  administratorSetsTransferPolicy(
    userId: string,
    blockLeaving: boolean,
    blockEntering: boolean,
    exemptedPrincipals: string[] = this.policy.exemptedPrincipals,
  ): void {
    const user = this.users.get(userId);
    if (user === undefined) throw new Error(`no user ${userId}`);
    this.elevateAccess(userId);
    const { id, userPrincipalName, displayName, userType } = user;
    this.writeSubscriptionPolicy(
      { kind: "user", user: { id, userPrincipalName, displayName, userType } },
      {
        blockSubscriptionsLeavingTenant: blockLeaving,
        blockSubscriptionsIntoTenant: blockEntering,
        exemptedPrincipals,
      },
    );
  }

  writeSubscriptionPolicy(
    actor: ChangeActor,
    policy: Pick<
      SubscriptionPolicy,
      "blockSubscriptionsLeavingTenant" | "blockSubscriptionsIntoTenant" | "exemptedPrincipals"
    >,
  ): SubscriptionPolicy {
    this.policy = {
      ...policy,
      updatedAt: this.iso(),
      updatedBy: actor.kind === "app" ? actor.appId : actor.user.userPrincipalName,
      updatedByType: actor.kind === "app" ? "Application" : "User",
    };
    this.record(actor, "write-subscription-policy", "default");
    this.publish("activity", change.subscriptionPolicyChanged(this.armContext(actor), policy));
    return this.policy;
  }
}

/** An Azure eligibility schedule's full id, as ARM's RoleEligibilityScheduleInstances carry it. */
export function eligibilityId(scope: string, name: string): string {
  return `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/${name}`;
}

/** `/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/{name}`; at the root scope the prefix is empty. */
export function assignmentId(scope: string, name: string): string {
  return `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

export function roleDefinitionId(scope: string, guid: string): string {
  const subscription = /^\/subscriptions\/[^/]+/i.exec(scope)?.[0] ?? "";
  return `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

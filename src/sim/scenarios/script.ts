import { createHash } from "node:crypto";
import { Rng } from "../ids.js";
import * as arm from "../records/arm-records.js";
import * as graph from "../records/graph-records.js";
import { guestUpn, type SimTenant, type SimUser } from "../records/people.js";
import type { DirectoryEffect } from "../tenant/model.js";

/** Where Microsoft publishes a record: which API (and poller) it is read from. */
export type Stream = "directoryAudits" | "signIns" | "riskDetections" | "activity" | "alerts";

export interface ScenarioRecord {
  stream: Stream;
  /** Epoch ms when the record happened (its own timestamp). */
  time: number;
  record: Record<string, unknown>;
  /** For activity records: the subscription whose log holds it (none: the tenant-level log). */
  subscriptionId?: string;
  /** What the step did to the tenant's state, taking hold when the record happens. */
  effect?: DirectoryEffect;
}

const MINUTE = 60_000;

/**
 * Writes a tenant's history as real-format records, step by step on a clock. Attack scenarios and
 * background noise are both written with it, so every record comes from the same builders.
 */
export class TenantScript {
  readonly records: ScenarioRecord[] = [];
  readonly rng: Rng;
  /** People who exist before the script starts (created by no step of it), by id. */
  private readonly existing = new Map<string, SimUser>();
  /** Roles held before the script starts. */
  private readonly heldRoles: DirectoryEffect[] = [];
  private clock: number;
  private counter = 0;

  constructor(
    readonly tenant: SimTenant,
    readonly start: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.clock = start;
  }

  /** A number never returned before by this script: for names that must not collide. */
  uniqueNumber(): number {
    this.counter += 1;
    return this.counter;
  }

  /** Takes the records written so far, leaving the script empty: lets long days stream to disk. */
  drain(): ScenarioRecord[] {
    return this.records.splice(0, this.records.length);
  }

  get now(): number {
    return this.clock;
  }

  /** Moves the clock to `minutes` after the script's start. */
  at(minutes: number): this {
    this.clock = this.start + minutes * MINUTE;
    return this;
  }

  /** Moves the clock on by `minutes`. */
  after(minutes: number): this {
    this.clock += minutes * MINUTE;
    return this;
  }

  member(name: string, ipAddress = "20.190.128.10"): SimUser {
    const upn = `${name.toLowerCase().replace(/[^a-z0-9.]/g, ".")}@${this.tenant.domain}`;
    const user: SimUser = {
      id: this.rng.guid(),
      userPrincipalName: upn,
      displayName: name,
      userType: "Member",
      ipAddress,
    };
    this.existing.set(user.id, user);
    return user;
  }

  guest(mail: string, ipAddress = "198.51.100.23"): SimUser {
    const user: SimUser = {
      id: this.rng.guid(),
      userPrincipalName: guestUpn(mail, this.tenant),
      displayName: mail.split("@")[0] ?? mail,
      mail,
      userType: "Guest",
      ipAddress,
    };
    this.existing.set(user.id, user);
    return user;
  }

  /** A member who already holds an Entra role when the script starts (an admin, a break-glass account). */
  admin(name: string, roleDefinitionId: string, ipAddress?: string): SimUser {
    const user = this.member(name, ipAddress);
    this.heldRoles.push({
      type: "entra-role-granted",
      principalId: user.id,
      roleDefinitionId,
      eligible: false,
    });
    return user;
  }

  /** The tenant as it stands before the script's first step: its people and the roles they hold. */
  baseline(): DirectoryEffect[] {
    return [
      ...[...this.existing.values()].map(
        (user): DirectoryEffect => ({ type: "user-created", user, enabled: true }),
      ),
      ...this.heldRoles,
    ];
  }

  private iso(): string {
    return new Date(this.clock).toISOString().replace("Z", "0000Z");
  }

  private auditBase(actor: SimUser): graph.AuditBase {
    return { id: `Directory_${this.rng.guid()}`, time: this.iso(), actor, correlationId: this.rng.guid() };
  }

  private push(
    stream: Stream,
    record: Record<string, unknown>,
    subscriptionId?: string,
    effect?: DirectoryEffect,
  ): void {
    this.records.push({
      stream,
      time: this.clock,
      record,
      ...(subscriptionId === undefined ? {} : { subscriptionId }),
      ...(effect === undefined ? {} : { effect }),
    });
  }

  invite(actor: SimUser, guest: SimUser): this {
    this.existing.delete(guest.id);
    this.push("directoryAudits", graph.inviteExternalUser(this.auditBase(actor), guest), undefined, {
      type: "user-created",
      user: guest,
      enabled: true,
      invitedBy: actor.id,
    });
    this.push("directoryAudits", graph.addUser(this.auditBase(actor), guest));
    return this;
  }

  addUser(actor: SimUser, user: SimUser, enabled = true): this {
    this.existing.delete(user.id);
    this.push("directoryAudits", graph.addUser(this.auditBase(actor), user, enabled), undefined, {
      type: "user-created",
      user,
      enabled,
    });
    return this;
  }

  updateUser(actor: SimUser, user: SimUser): this {
    this.push("directoryAudits", graph.updateUser(this.auditBase(actor), user));
    return this;
  }

  addToGroup(actor: SimUser, user: SimUser): this {
    this.push(
      "directoryAudits",
      graph.addMemberToGroup(this.auditBase(actor), user, { id: this.rng.guid(), displayName: "Finance" }),
    );
    return this;
  }

  grantEntraRole(actor: SimUser, member: SimUser, grant: graph.RoleGrant): this {
    this.push("directoryAudits", graph.addMemberToRole(this.auditBase(actor), member, grant), undefined, {
      type: "entra-role-granted",
      principalId: member.id,
      roleDefinitionId: grant.roleTemplateId,
      eligible: grant.eligible === true,
    });
    return this;
  }

  signIn(
    user: SimUser,
    ipAddress: string,
    risk: {
      aggregated?: string;
      during?: string;
      types?: string[];
      errorCode?: number;
      location?: { city: string; countryOrRegion: string };
    } = {},
  ): this {
    this.push(
      "signIns",
      graph.signIn({
        id: this.rng.guid(),
        time: this.iso(),
        user,
        ipAddress,
        ...(risk.aggregated === undefined ? {} : { riskAggregated: risk.aggregated }),
        ...(risk.during === undefined ? {} : { riskDuringSignIn: risk.during }),
        ...(risk.types === undefined ? {} : { riskEventTypes: risk.types }),
        ...(risk.errorCode === undefined ? {} : { errorCode: risk.errorCode }),
        ...(risk.location === undefined ? {} : { location: risk.location }),
      }),
      undefined,
      // Identity Protection flags the user at the risk it aggregated.
      risk.aggregated === "high" && risk.errorCode === undefined
        ? {
            type: "user-at-risk",
            userId: user.id,
            level: "high",
          }
        : undefined,
    );
    return this;
  }

  riskDetection(user: SimUser, ipAddress: string, riskEventType: string, riskLevel: string): this {
    this.push(
      "riskDetections",
      graph.riskDetection({
        id: this.rng.guid(),
        time: this.iso(),
        user,
        ipAddress,
        riskEventType,
        riskLevel,
      }),
      undefined,
      riskLevel === "high" || riskLevel === "medium"
        ? { type: "user-at-risk", userId: user.id, level: riskLevel }
        : undefined,
    );
    return this;
  }

  private call(caller: SimUser, subscriptionId: string, callerIp?: string) {
    return {
      tenant: this.tenant,
      caller,
      callerIp: callerIp ?? caller.ipAddress ?? "20.190.128.10",
      subscriptionId,
      correlationId: this.rng.guid(),
      eventDataId: this.rng.guid(),
      time: this.iso(),
    };
  }

  assignAzureRole(actor: SimUser, principal: SimUser, roleDefinitionId: string, scope: string): this {
    const subscriptionId = /\/subscriptions\/([^/]+)/.exec(scope)?.[1] ?? "";
    const assignmentId = this.rng.guid();
    const records = arm.roleAssignmentWrite({
      ...this.call(actor, subscriptionId),
      assignmentId,
      scope,
      roleDefinitionId,
      principalId: principal.id,
      principalType: "User",
    });
    records.forEach((record, index) => {
      // The End record (the second) is when the assignment exists.
      const effect: DirectoryEffect | undefined =
        index === records.length - 1
          ? {
              type: "azure-role-assigned",
              name: assignmentId,
              scope,
              roleDefinitionGuid: roleDefinitionId,
              principalId: principal.id,
              createdBy: actor.id,
            }
          : undefined;
      this.push("activity", record, subscriptionId || undefined, effect);
    });
    return this;
  }

  createResourceGroup(actor: SimUser, subscriptionId: string, resourceGroup: string): this {
    this.push(
      "activity",
      arm.resourceGroupWrite({ ...this.call(actor, subscriptionId), resourceGroup }),
      subscriptionId,
    );
    return this;
  }

  createVm(
    actor: SimUser,
    subscriptionId: string,
    resourceGroup: string,
    vmName: string,
    callerIp?: string,
  ): this {
    this.push(
      "activity",
      arm.createVmValidation({ ...this.call(actor, subscriptionId, callerIp), resourceGroup, vmName }),
      subscriptionId,
    );
    this.after(1);
    this.push(
      "activity",
      arm.vmWrite({
        ...this.call(actor, subscriptionId, callerIp),
        resourceGroup,
        vmName,
        vmSize: "Standard_NC24ads_A100_v4",
      }),
      subscriptionId,
    );
    return this;
  }

  createSubscription(actor: SimUser, subscriptionId: string): this {
    this.push(
      "activity",
      arm.subscriptionAliasWrite({
        ...this.call(actor, subscriptionId),
        aliasName: `sub-${subscriptionId.slice(0, 8)}`,
      }),
      undefined,
      { type: "subscription-created", subscriptionId, displayName: `sub-${subscriptionId.slice(0, 8)}` },
    );
    return this;
  }

  moveSubscription(actor: SimUser, subscriptionId: string, toTenantId: string): this {
    this.push(
      "activity",
      arm.subscriptionUpdateTenant({ ...this.call(actor, subscriptionId), toTenantId }),
      subscriptionId,
      { type: "subscription-moved", subscriptionId, toTenantId },
    );
    return this;
  }

  writeTransferPolicy(actor: SimUser, blockLeaving: boolean, blockEntering = false): this {
    this.push(
      "activity",
      arm.subscriptionPolicyWrite({ ...this.call(actor, ""), blockLeaving, blockEntering }),
      undefined,
      { type: "transfer-policy-written", blockLeaving, blockEntering, by: actor.id },
    );
    return this;
  }

  /**
   * Microsoft raises an alert now about what `users` did since `sinceMinutes` ago: Defender's alerts are
   * written minutes to hours after the activity they saw, so after Warden's own findings.
   */
  alert(
    sinceMinutes: number,
    fields: Pick<
      Parameters<typeof graph.securityAlert>[0],
      | "title"
      | "severity"
      | "serviceSource"
      | "detectionSource"
      | "category"
      | "users"
      | "subscriptionIds"
      | "ipAddresses"
    >,
  ): this {
    const iso = (t: number) => new Date(t).toISOString();
    this.push(
      "alerts",
      graph.securityAlert({
        ...fields,
        // From what the alert is, not from the script's random sequence: adding an alert to a scenario
        // leaves every other id the scenarios make (and tests name) as it was.
        id: `ca${createHash("sha256").update(`${this.tenant.id}|${this.clock}|${fields.title}`).digest("hex").slice(0, 32).toUpperCase()}`,
        tenant: this.tenant,
        time: iso(this.clock),
        firstActivity: iso(this.clock - sinceMinutes * MINUTE),
        lastActivity: iso(this.clock - Math.min(sinceMinutes, 20) * MINUTE),
      }),
    );
    return this;
  }

  elevateAccess(actor: SimUser): this {
    this.push("activity", arm.elevateAccess(this.call(actor, "")));
    return this;
  }
}

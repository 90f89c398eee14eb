import { randomUUID } from "node:crypto";
import {
  AuthorizationManagementClient,
  type RoleAssignment,
  type RoleEligibilitySchedule,
} from "@azure/arm-authorization";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import {
  type AzureAssignment,
  type AzureEligibility,
  type AzureRoleDefinitionView,
  armExpiration,
  toAssignment,
  toEligibility,
} from "./arm-rbac-shapes.js";
import type { ExpirationRule, PimExpiration } from "./pim.js";
import type { RateLimiter } from "./rate-limiter.js";

// The shapes live apart (arm-rbac-shapes.ts); importers of the client get them here too.
export type { AzureAssignment, AzureEligibility, AzureRoleDefinitionView } from "./arm-rbac-shapes.js";

const NO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

/** Azure role assignments and definitions through `@azure/arm-authorization`, under ARM's limits. */
export class AzureRbac {
  private readonly client: AuthorizationManagementClient;
  private readonly definitions = new Map<string, AzureRoleDefinitionView | undefined>();

  constructor(
    credential: TokenCredential,
    armUrl: string,
    private readonly tenantId: string,
    limiter: RateLimiter,
  ) {
    this.client = new AuthorizationManagementClient(
      credential,
      NO_SUBSCRIPTION,
      armClientOptions(armUrl, tenantId, limiter),
    );
  }

  /** The root management group's scope: in Azure it is named after the tenant. */
  get rootGroupScope(): string {
    return `/providers/Microsoft.Management/managementGroups/${this.tenantId}`;
  }

  /**
   * Assignments that apply in each subscription (its own, its resource groups', and the ones inherited
   * from management groups and the root), plus the root management group's, each once. With a principal,
   * only that principal's direct assignments.
   */
  async assignments(subscriptionIds: readonly string[], principalId?: string): Promise<AzureAssignment[]> {
    return (await this.assignmentsAndGaps(subscriptionIds, principalId)).assignments;
  }

  /**
   * As `assignments`, and the scopes that could not be read. Warden's app may hold rights on subscriptions
   * only (docs/deploy.md allows it): the root management group then answers 403, and what is readable is
   * still returned. Assignments made at the root or a management group are inherited, so the listing of
   * each readable subscription includes them; only those over no readable subscription are missed.
   */
  async assignmentsAndGaps(
    subscriptionIds: readonly string[],
    principalId?: string,
  ): Promise<{ assignments: AzureAssignment[]; unreadable: string[] }> {
    const filter = principalId === undefined ? undefined : `principalId eq '${principalId}'`;
    const unreadable: string[] = [];
    const found = new Map<string, AzureAssignment>();
    const take = async (pages: AsyncIterable<RoleAssignment>) => {
      for await (const a of pages) {
        const assignment = toAssignment(a);
        if (assignment !== undefined) found.set(assignment.id.toLowerCase(), assignment);
      }
    };
    const options = filter === undefined ? {} : { filter };
    await this.readEachScope(subscriptionIds, unreadable, (scope) =>
      take(this.client.roleAssignments.listForScope(scope, options)),
    );
    return { assignments: [...found.values()], unreadable };
  }

  async assignment(id: string): Promise<AzureAssignment | undefined> {
    try {
      return toAssignment(await this.client.roleAssignments.getById(id));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Deletes an assignment; reports ARM's request id. True when this call deleted it (200), false when it
   * was already gone (204): what Warden did not take away, an undo must not give back.
   */
  async deleteAssignment(id: string, onRequestId?: (requestId: string) => void): Promise<boolean> {
    let deleted = true;
    await this.client.roleAssignments.deleteById(id, {
      onResponse: (raw) => {
        const requestId = raw.headers.get("x-ms-request-id");
        if (requestId !== undefined) onRequestId?.(requestId);
        deleted = raw.status !== 204;
      },
    });
    return deleted;
  }

  async createAssignment(a: Omit<AzureAssignment, "id" | "createdOn">): Promise<AzureAssignment | undefined> {
    const created = await this.client.roleAssignments.create(a.scope, a.name, {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType as "User",
    });
    return toAssignment(created);
  }

  /**
   * A role definition by its full id, read once per process and role: a definition's GUID is the same at
   * every scope it is used from, so the GUID is the cache key.
   */
  async roleDefinition(id: string): Promise<AzureRoleDefinitionView | undefined> {
    const key = (id.split("/").pop() ?? id).toLowerCase();
    if (this.definitions.has(key)) return this.definitions.get(key);
    let view: AzureRoleDefinitionView | undefined;
    try {
      const d = await this.client.roleDefinitions.getById(id);
      view = {
        id: d.id ?? id,
        roleName: d.roleName ?? "",
        type: d.roleType ?? "",
        actions: (d.permissions ?? []).flatMap((p) => p.actions ?? []),
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    this.definitions.set(key, view);
    return view;
  }

  /**
   * The principal's own PIM eligibilities that apply in each subscription (at, above or below it), and
   * the root management group's, each once. Schedules, not instances: an eligibility an attacker set to
   * start later is one too, and instances list only those in force now. With the scopes that could not
   * be read, as for assignments.
   * `assignedTo` is the filter the API's examples use; it also brings eligibilities held through a group,
   * which stay: they are the group's, not the principal's, to take away.
   */
  async eligibilitiesAndGaps(
    subscriptionIds: readonly string[],
    principalId: string,
  ): Promise<{ eligibilities: AzureEligibility[]; unreadable: string[] }> {
    const filter = `assignedTo('${principalId}')`;
    const found = new Map<string, AzureEligibility>();
    const unreadable: string[] = [];
    const take = async (pages: AsyncIterable<RoleEligibilitySchedule>) => {
      for await (const e of pages) {
        const eligibility = toEligibility(e);
        // Direct only: one held through a group is the group's, and one inherited from a scope above is
        // listed again at the scope it was made at, where it is removed.
        if (
          eligibility?.principalId === principalId.toLowerCase() &&
          (e.memberType === undefined || e.memberType === "Direct")
        )
          found.set(eligibility.id.toLowerCase(), eligibility);
      }
    };
    await this.readEachScope(subscriptionIds, unreadable, (scope) =>
      take(this.client.roleEligibilitySchedules.listForScope(scope, { filter })),
    );
    return { eligibilities: [...found.values()], unreadable };
  }

  /**
   * Reads at the root management group, then at each subscription. The root may be out of reach (a
   * gap, said in `unreadable`); a subscription may not: only ARM's refusal for want of a role at the root
   * is a gap, any other 403 (or error) a failure.
   */
  private async readEachScope(
    subscriptionIds: readonly string[],
    unreadable: string[],
    read: (scope: string) => Promise<void>,
  ): Promise<void> {
    try {
      await read(this.rootGroupScope);
    } catch (error) {
      const refused = error as { statusCode?: number; code?: string };
      if (refused.statusCode !== 403 || refused.code !== "AuthorizationFailed") throw error;
      unreadable.push(this.rootGroupScope);
    }
    for (const subscriptionId of subscriptionIds) await read(`/subscriptions/${subscriptionId}`);
  }

  /**
   * AdminRemove or AdminAssign of an eligibility at its scope (a new request, named by a fresh GUID, as
   * PIM wants one per request); reports ARM's request id.
   */
  async requestEligibility(
    requestType: "AdminAssign" | "AdminRemove",
    e: Pick<AzureEligibility, "scope" | "roleDefinitionId" | "principalId">,
    justification: string,
    expiration: PimExpiration = { type: "noExpiration" },
    onRequestId?: (requestId: string) => void,
  ): Promise<void> {
    await this.client.roleEligibilityScheduleRequests.create(
      e.scope,
      randomUUID(),
      {
        principalId: e.principalId,
        roleDefinitionId: e.roleDefinitionId,
        requestType,
        justification,
        ...(requestType === "AdminAssign"
          ? { scheduleInfo: { startDateTime: new Date(), expiration: armExpiration(expiration) } }
          : {}),
      },
      {
        onResponse: (raw) => {
          const requestId = raw.headers.get("x-ms-request-id");
          if (requestId !== undefined) onRequestId?.(requestId);
        },
      },
    );
  }

  /** The role's expiration rule for an administrator's eligible assignments at `scope`, if the policy says. */
  async eligibilityRule(scope: string, roleDefinitionId: string): Promise<ExpirationRule | undefined> {
    const guid = (roleDefinitionId.split("/").pop() ?? roleDefinitionId).toLowerCase();
    for await (const a of this.client.roleManagementPolicyAssignments.listForScope(scope)) {
      if ((a.roleDefinitionId?.split("/").pop() ?? "").toLowerCase() !== guid) continue;
      const rule = (a.effectiveRules ?? []).find((r) => r.id === "Expiration_Admin_Eligibility") as
        | { isExpirationRequired?: boolean; maximumDuration?: string }
        | undefined;
      if (rule?.isExpirationRequired === undefined || rule.maximumDuration === undefined) return undefined;
      return { isExpirationRequired: rule.isExpirationRequired, maximumDuration: rule.maximumDuration };
    }
    return undefined;
  }
}

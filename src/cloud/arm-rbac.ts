import { AuthorizationManagementClient, type RoleAssignment } from "@azure/arm-authorization";
import type { TokenCredential } from "@azure/identity";
import { armClientOptions } from "./arm-options.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface AzureAssignment {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  /** When it was made (ARM's createdOn). */
  createdOn?: string;
}

export interface AzureRoleDefinitionView {
  id: string;
  roleName: string;
  type: string;
  actions: string[];
}

const NO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

function toAssignment(a: RoleAssignment): AzureAssignment | undefined {
  if (
    a.id === undefined ||
    a.name === undefined ||
    a.scope === undefined ||
    a.roleDefinitionId === undefined ||
    a.principalId === undefined
  ) {
    return undefined;
  }
  return {
    id: a.id,
    name: a.name,
    scope: a.scope,
    roleDefinitionId: a.roleDefinitionId,
    principalId: a.principalId.toLowerCase(),
    principalType: a.principalType ?? "User",
    ...(a.createdOn === undefined ? {} : { createdOn: new Date(a.createdOn).toISOString() }),
  };
}

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
    try {
      await take(
        this.client.roleAssignments.listForScope(this.rootGroupScope, filter === undefined ? {} : { filter }),
      );
    } catch (error) {
      // Only ARM's refusal for want of a role there: any other 403 (or error) is a failure, not a gap.
      const refused = error as { statusCode?: number; code?: string };
      if (refused.statusCode !== 403 || refused.code !== "AuthorizationFailed") throw error;
      unreadable.push(this.rootGroupScope);
    }
    for (const subscriptionId of subscriptionIds) {
      await take(
        this.client.roleAssignments.listForScope(
          `/subscriptions/${subscriptionId}`,
          filter === undefined ? {} : { filter },
        ),
      );
    }
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

  /** Deletes an assignment (ARM answers 204 when it is already gone); reports ARM's request id. */
  async deleteAssignment(id: string, onRequestId?: (requestId: string) => void): Promise<void> {
    await this.client.roleAssignments.deleteById(id, {
      onResponse: (raw) => {
        const requestId = raw.headers.get("x-ms-request-id");
        if (requestId !== undefined) onRequestId?.(requestId);
      },
    });
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
}

import type { TokenCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { type BatchAnswer, type BatchStep, runBatch } from "./graph-batch.js";
import { makeGraphClient } from "./graph-client.js";
import {
  type GraphCaPolicy,
  type GraphEligibility,
  type GraphGroup,
  type GraphOrganization,
  type GraphRiskyUser,
  type GraphRoleAssignment,
  type GraphUser,
  USER_SELECT,
} from "./graph-directory-types.js";
import type { RateLimiter } from "./rate-limiter.js";

// The shapes live apart (graph-directory-types.ts); importers of the client get them here too.
export type {
  GraphCaPolicy,
  GraphEligibility,
  GraphGroup,
  GraphOrganization,
  GraphRiskyUser,
  GraphRoleAssignment,
  GraphUser,
} from "./graph-directory-types.js";
export { USER_SELECT } from "./graph-directory-types.js";

type Page<T> = { value?: T[]; "@odata.nextLink"?: string };

/** Quotes a value for an OData filter. */
export const odata = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Entra's directory through the Graph SDK: users, Entra roles (active and PIM-eligible), groups,
 * conditional access, risky users, Defender hunting, and `$batch` for writes that belong together.
 */
export class GraphDirectory {
  readonly client: Client;

  constructor(
    credential: TokenCredential,
    graphUrl: string,
    private readonly tenantId: string,
    private readonly limiter: RateLimiter,
  ) {
    this.client = makeGraphClient(credential, graphUrl, tenantId, limiter);
  }

  /** Every item of a list, all pages. */
  async all<T>(path: string, query: Record<string, string> = {}, version = "v1.0"): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.pages<T>(path, query, version)) items.push(...page);
    return items;
  }

  /** A list page by page; `version` "beta" only where v1.0 lacks what is read (said at each use). */
  async *pages<T>(path: string, query: Record<string, string> = {}, version = "v1.0"): AsyncGenerator<T[]> {
    let request = this.client.api(path).version(version);
    for (const [name, value] of Object.entries(query)) request = request.query({ [name]: value });
    let page = (await request.get()) as Page<T>;
    for (;;) {
      yield page.value ?? [];
      const next = page["@odata.nextLink"];
      if (next === undefined) return;
      page = (await this.client.api(next).get()) as Page<T>;
    }
  }

  /**
   * The tenant's organization object, its id and name only ("List organizations": `GET /organization`,
   * one object in the collection; application permission Organization.Read.All, Directory.Read.All or
   * either's ReadWrite; 403 without). Under the identity reads' limit like any directory read; a refusal
   * or failure is thrown as Graph answered it, for the caller to classify. Undefined when none is listed.
   */
  async organization(): Promise<GraphOrganization | undefined> {
    const [found] = await this.all<GraphOrganization>("/organization", { $select: "id,displayName" });
    return found;
  }

  /** A user by id or UPN; undefined when Graph says it does not exist. */
  async user(id: string): Promise<GraphUser | undefined> {
    try {
      return (await this.client
        .api(`/users/${encodeURIComponent(id)}`)
        .select(USER_SELECT)
        .get()) as GraphUser;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async setAccountEnabled(id: string, enabled: boolean): Promise<void> {
    await this.client.api(`/users/${encodeURIComponent(id)}`).patch({ accountEnabled: enabled });
  }

  async revokeSessions(id: string): Promise<void> {
    await this.client.api(`/users/${encodeURIComponent(id)}/revokeSignInSessions`).post({});
  }

  /** Active Entra role assignments; no filter reads them all (see privileged-role-holders.ts). */
  roleAssignments(
    filter: string | undefined,
    expandPrincipal = false,
    page: { top?: number } = {},
  ): Promise<GraphRoleAssignment[]> {
    return this.all<GraphRoleAssignment>("/roleManagement/directory/roleAssignments", {
      ...(filter === undefined ? {} : { $filter: filter }),
      ...(expandPrincipal ? { $expand: "principal" } : {}),
      ...(page.top === undefined ? {} : { $top: String(page.top) }),
    });
  }

  /** Entra role eligibilities (PIM schedules); no filter reads them all. */
  eligibilities(
    filter: string | undefined,
    expandPrincipal = false,
    page: { top?: number } = {},
  ): Promise<GraphEligibility[]> {
    return this.all<GraphEligibility>("/roleManagement/directory/roleEligibilitySchedules", {
      ...(filter === undefined ? {} : { $filter: filter }),
      ...(expandPrincipal ? { $expand: "principal" } : {}),
      ...(page.top === undefined ? {} : { $top: String(page.top) }),
    });
  }

  async createRoleAssignment(a: { principalId: string; roleDefinitionId: string; directoryScopeId: string }) {
    return (await this.client
      .api("/roleManagement/directory/roleAssignments")
      .post(a)) as GraphRoleAssignment;
  }

  async deleteRoleAssignment(id: string): Promise<void> {
    await this.client.api(`/roleManagement/directory/roleAssignments/${encodeURIComponent(id)}`).delete();
  }

  /**
   * The IP ranges of the tenant's conditional access named locations marked trusted ("List
   * namedLocations": `#microsoft.graph.ipNamedLocation`, `isTrusted`, `ipRanges[].cidrAddress`;
   * Policy.Read.All).
   */
  async trustedNamedRanges(): Promise<string[]> {
    const locations = await this.all<{
      "@odata.type"?: string;
      isTrusted?: boolean;
      ipRanges?: { cidrAddress?: string }[];
    }>("/identity/conditionalAccess/namedLocations");
    return locations
      .filter((l) => l["@odata.type"] === "#microsoft.graph.ipNamedLocation" && l.isTrusted === true)
      .flatMap((l) =>
        (l.ipRanges ?? []).flatMap((r) => (typeof r.cidrAddress === "string" ? [r.cidrAddress] : [])),
      );
  }

  /**
   * The object id of an app's service principal in this tenant ("Get servicePrincipal" by its appId
   * alternate key; Application.Read.All). Undefined when there is none.
   */
  async servicePrincipalIdOf(appId: string): Promise<string | undefined> {
    const found = await this.orMissing<{ id?: string }>(() =>
      this.client
        .api(`/servicePrincipals(appId='${encodeURIComponent(appId)}')`)
        .select("id")
        .get(),
    );
    return found?.id;
  }

  async groupByNickname(mailNickname: string): Promise<GraphGroup | undefined> {
    const found = await this.all<GraphGroup>("/groups", {
      $filter: `mailNickname eq ${odata(mailNickname)}`,
    });
    return found[0];
  }

  /** A group by id; undefined when Graph says it does not exist (or, just created, not yet here). */
  async group(id: string): Promise<GraphGroup | undefined> {
    return this.orMissing(() => this.client.api(`/groups/${encodeURIComponent(id)}`).get());
  }

  /** A conditional access policy by id; undefined when Graph says it does not exist (or not yet). */
  async caPolicy(id: string): Promise<GraphCaPolicy | undefined> {
    return this.orMissing(() =>
      this.client.api(`/identity/conditionalAccess/policies/${encodeURIComponent(id)}`).get(),
    );
  }

  private async orMissing<T>(read: () => Promise<unknown>): Promise<T | undefined> {
    try {
      return (await read()) as T;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async createGroup(g: {
    displayName: string;
    mailNickname: string;
    description: string;
  }): Promise<GraphGroup> {
    return (await this.client
      .api("/groups")
      .post({ ...g, securityEnabled: true, mailEnabled: false })) as GraphGroup;
  }

  /** A group's direct members only (nested groups are not opened): see transitiveMemberIds. */
  groupMemberIds(groupId: string): Promise<string[]> {
    return this.all<{ id: string }>(`/groups/${encodeURIComponent(groupId)}/members`, { $select: "id" }).then(
      (members) => members.map((m) => m.id),
    );
  }

  /**
   * Everyone in a group, through any depth of nested groups (`GET /groups/{id}/transitiveMembers`, all
   * pages): users, service principals and the nested groups themselves, by object id.
   */
  transitiveMemberIds(groupId: string): Promise<string[]> {
    return this.all<{ id: string }>(`/groups/${encodeURIComponent(groupId)}/transitiveMembers`, {
      $select: "id",
    }).then((members) => members.map((m) => m.id));
  }

  async addGroupMember(groupId: string, memberId: string, graphUrl: string): Promise<void> {
    await this.client
      .api(`/groups/${encodeURIComponent(groupId)}/members/$ref`)
      .post({ "@odata.id": `${graphUrl}/v1.0/directoryObjects/${memberId}` });
  }

  async removeGroupMember(groupId: string, memberId: string): Promise<void> {
    await this.client
      .api(`/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(memberId)}/$ref`)
      .delete();
  }

  caPolicies(): Promise<GraphCaPolicy[]> {
    return this.all<GraphCaPolicy>("/identity/conditionalAccess/policies");
  }

  async createCaPolicy(policy: Omit<GraphCaPolicy, "id">): Promise<GraphCaPolicy> {
    return (await this.client.api("/identity/conditionalAccess/policies").post(policy)) as GraphCaPolicy;
  }

  async updateCaPolicy(id: string, patch: Partial<Omit<GraphCaPolicy, "id">>): Promise<void> {
    await this.client.api(`/identity/conditionalAccess/policies/${encodeURIComponent(id)}`).patch(patch);
  }

  riskyUsers(filter?: string): Promise<GraphRiskyUser[]> {
    return this.all<GraphRiskyUser>(
      "/identityProtection/riskyUsers",
      filter === undefined ? {} : { $filter: filter },
    );
  }

  /** Several requests in `$batch` calls of 20, throttled steps retried (see graph-batch.ts). */
  batch(steps: readonly BatchStep[]): Promise<Map<string, BatchAnswer>> {
    return runBatch(this.client, this.limiter, this.tenantId, steps);
  }

  /** Defender advanced hunting: rows of the query's result. */
  async runHuntingQuery(query: string): Promise<Record<string, unknown>[]> {
    const result = (await this.client.api("/security/runHuntingQuery").post({ Query: query })) as {
      results?: Record<string, unknown>[];
    };
    return result.results ?? [];
  }
}

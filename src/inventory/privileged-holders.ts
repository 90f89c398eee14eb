import type { AzureRbac } from "../cloud/arm-rbac.js";
import type { GraphDirectory, GraphRoleAssignment, GraphUser } from "../cloud/graph-directory.js";
import { USER_SELECT } from "../cloud/graph-directory.js";
import { privilegedRoleHolders } from "../cloud/privileged-role-holders.js";
import {
  AZURE_ROLE_NAMES,
  DEFAULT_PRIVILEGED_AZURE_ROLES,
  DEFAULT_PRIVILEGED_ENTRA_ROLES,
  ENTRA_ROLE_NAMES,
  isPrivilegedActionList,
} from "../detect/roles.js";

/** One privilege a principal holds. */
export interface HeldRole {
  kind: "entra" | "azure";
  roleId: string;
  roleName: string;
  scope: string;
  assignment: "active" | "eligible";
  /** Held through this role-assignable group, when not directly. */
  viaGroup?: string;
  /** When the assignment was made, when the source says (Azure, PIM). */
  since?: string;
}

/**
 * `lastSuccessfulSignInDateTime`, not `lastSignInDateTime`: the latter counts failed attempts too, so
 * anyone who knows a dormant admin's UPN could keep it looking in use by failing to sign in.
 */
export type HolderUser = GraphUser & {
  signInActivity?: { lastSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null };
};

export interface HoldersDeps {
  graph: GraphDirectory;
  rbac: AzureRbac;
  subscriptions(): Promise<string[]>;
  onProgress?: (step: string, done: number, total: number) => void;
  /**
   * Whether to read last sign-ins (default true). Graph allows 10 reads selecting signInActivity a minute
   * per app and tenant, 15 users each: two minutes for 300 external admins. `warden inventory
   * --no-sign-ins` skips them.
   */
  signIns?: boolean;
}

/** Every principal holding privilege, the users among them as Graph shows them, and what could not be read. */
export interface PrivilegedHolders {
  /** Principal id (lower case) → the privileged roles it holds. Service principals and groups' members too. */
  held: Map<string, HeldRole[]>;
  /** The users among the holders (a service principal is not a user and is not here). */
  users: HolderUser[];
  /**
   * Principal id (lower case) → the Entra role template ids it holds tenant-wide, active or eligible,
   * directly or through a group: the privileged ones and `alsoEntraRoles`. What conditional access's
   * role conditions match on.
   */
  entraRoles: Map<string, Set<string>>;
  /** Whether each user's last sign-in was read (it needs Entra ID P1 and AuditLog.Read.All). */
  signInsRead: boolean;
  /** Why the last sign-ins could not be read, when they could not. */
  signInsUnreadable?: string;
  gaps: string[];
}

const IDS_PER_FILTER = 15;

const isGroup = (p: GraphRoleAssignment["principal"]) => p?.["@odata.type"] === "#microsoft.graph.group";

/**
 * Every principal holding a privileged Entra role (active or eligible, directly or through a
 * role-assignable group) or a privileged Azure role at subscription, management group or root scope.
 * Calls: one listing per role kind, one per role-assignable group, one per subscription plus the root
 * management group, one per custom role, one per 15 users with privilege. `alsoEntraRoles` are read in the
 * same listings (no extra call) for `entraRoles`, without making their holders privileged.
 */
export async function collectPrivilegedHolders(
  deps: HoldersDeps,
  alsoEntraRoles: readonly string[] = [],
): Promise<PrivilegedHolders> {
  const progress = deps.onProgress ?? (() => undefined);
  const held = new Map<string, HeldRole[]>();
  const entraRoles = new Map<string, Set<string>>();
  const hold = (id: string, role: HeldRole) =>
    held.set(id.toLowerCase(), [...(held.get(id.toLowerCase()) ?? []), role]);
  const holdEntra = (id: string, roleId: string) => {
    const roles = entraRoles.get(id.toLowerCase()) ?? new Set<string>();
    roles.add(roleId.toLowerCase());
    entraRoles.set(id.toLowerCase(), roles);
  };
  const privileged = new Set(DEFAULT_PRIVILEGED_ENTRA_ROLES.map((r) => r.toLowerCase()));
  const wanted = [...new Set([...privileged, ...alsoEntraRoles.map((r) => r.toLowerCase())])];
  progress("Entra roles", 0, 2);
  const { active, eligible } = await privilegedRoleHolders(deps.graph, wanted);
  progress("Entra roles", 2, 2);
  const groupsToExpand = new Map<string, { name: string; roles: HeldRole[]; templates: string[] }>();
  for (const [list, assignment] of [
    [active, "active"],
    [eligible, "eligible"],
  ] as const) {
    for (const a of list) {
      const roleId = a.roleDefinitionId.toLowerCase();
      const role: HeldRole = {
        kind: "entra",
        roleId: a.roleDefinitionId,
        roleName: ENTRA_ROLE_NAMES[a.roleDefinitionId] ?? a.roleDefinitionId,
        scope: a.directoryScopeId,
        assignment,
        ...("createdDateTime" in a && typeof a.createdDateTime === "string"
          ? { since: a.createdDateTime }
          : {}),
      };
      // Conditional access matches tenant-wide role assignments only (an administrative unit's is not one).
      const tenantWide = a.directoryScopeId === "/";
      if (isGroup(a.principal)) {
        const group = groupsToExpand.get(a.principalId) ?? {
          name: a.principal?.displayName ?? a.principalId,
          roles: [],
          templates: [],
        };
        if (privileged.has(roleId)) group.roles.push(role);
        if (tenantWide) group.templates.push(roleId);
        groupsToExpand.set(a.principalId, group);
      } else {
        if (privileged.has(roleId)) hold(a.principalId, role);
        if (tenantWide) holdEntra(a.principalId, roleId);
      }
    }
  }
  let groupsDone = 0;
  for (const [groupId, group] of groupsToExpand) {
    const members = await deps.graph.all<{ id: string }>(`/groups/${groupId}/transitiveMembers`, {
      $select: "id",
      $top: "999",
    });
    for (const m of members) {
      for (const role of group.roles) hold(m.id, { ...role, viaGroup: group.name });
      for (const template of group.templates) holdEntra(m.id, template);
    }
    progress("role-assignable groups", ++groupsDone, groupsToExpand.size);
  }

  const subscriptions = await deps.subscriptions();
  progress("Azure role assignments", 0, subscriptions.length + 1);
  const { assignments, unreadable } = await deps.rbac.assignmentsAndGaps(subscriptions);
  const gaps = unreadable.map(
    (scope) =>
      `Azure role assignments at ${scope} could not be read (Warden's app has no rights there): roles held there over no subscription Warden can read are not listed`,
  );
  progress("Azure role assignments", subscriptions.length + 1, subscriptions.length + 1);
  const builtIn = new Set(DEFAULT_PRIVILEGED_AZURE_ROLES);
  const azureGroups = new Map<string, HeldRole[]>();
  for (const a of assignments) {
    const level =
      a.scope === "/" ||
      /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(a.scope) ||
      /^\/subscriptions\/[^/]+$/i.test(a.scope);
    if (!level) continue;
    const guid = (a.roleDefinitionId.split("/").pop() ?? "").toLowerCase();
    let name = AZURE_ROLE_NAMES[guid];
    if (!builtIn.has(guid)) {
      const definition = await deps.rbac.roleDefinition(a.roleDefinitionId);
      if (
        definition === undefined ||
        definition.type !== "CustomRole" ||
        !isPrivilegedActionList(definition.actions)
      )
        continue;
      name = `${definition.roleName} (custom)`;
    }
    const role: HeldRole = {
      kind: "azure",
      roleId: guid,
      roleName: name ?? guid,
      scope: a.scope,
      assignment: "active",
      since: a.createdOn ?? undefined,
    };
    // A role given to a security group ("Azure admins" as Owner) is held by each of its members.
    if (a.principalType === "Group")
      azureGroups.set(a.principalId, [...(azureGroups.get(a.principalId) ?? []), role]);
    else hold(a.principalId, role);
  }
  for (const [groupId, roles] of azureGroups) {
    const group = await deps.graph.group(groupId);
    // A role may outlive its group (ARM keeps the assignment of a deleted principal): no members then.
    const members =
      group === undefined
        ? []
        : await deps.graph.all<{ id: string }>(`/groups/${groupId}/transitiveMembers`, {
            $select: "id",
            $top: "999",
          });
    for (const m of members)
      for (const role of roles) hold(m.id, { ...role, viaGroup: group?.displayName ?? groupId });
  }

  // Only principals with privilege are read, 15 to a request: far fewer calls than listing every user.
  const candidates = [...held.keys()];
  const users: HolderUser[] = [];
  // Last sign-ins come with the same reads when the tenant's licence allows; else they are left out.
  let signInsUnreadable = deps.signIns === false ? "not asked for (--no-sign-ins)" : undefined;
  let select = signInsUnreadable === undefined ? `${USER_SELECT},signInActivity` : USER_SELECT;
  for (let i = 0; i < candidates.length; i += IDS_PER_FILTER) {
    const ids = candidates.slice(i, i + IDS_PER_FILTER);
    const filter = `id in (${ids.map((id) => `'${id}'`).join(",")})`;
    try {
      users.push(...(await deps.graph.all<HolderUser>("/users", { $filter: filter, $select: select })));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 403 || select === USER_SELECT) throw error;
      signInsUnreadable = (error as Error).message;
      select = USER_SELECT;
      users.push(...(await deps.graph.all<HolderUser>("/users", { $filter: filter, $select: select })));
    }
    progress("principals", Math.min(i + IDS_PER_FILTER, candidates.length), candidates.length);
  }
  return {
    held,
    users,
    entraRoles,
    signInsRead: signInsUnreadable === undefined,
    ...(signInsUnreadable === undefined ? {} : { signInsUnreadable }),
    gaps,
  };
}

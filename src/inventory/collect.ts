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
import { invitersFromAuditLog } from "./inviters.js";

/** One privilege an external principal holds. */
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

export interface InventoryEntry {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  mail: string | null;
  userType: string | null;
  homeDomain: string | null;
  createdDateTime: string | null;
  invitedBy: string | null;
  accountEnabled: boolean | null;
  /** Last sign-in, when the tenant's licence lets Graph say (signInActivity needs Entra ID P1). */
  lastSignIn: string | null;
  roles: HeldRole[];
  risk: { recentlyCreated: boolean; riskyUser: boolean; promotedSoonAfterCreation: boolean };
}

export interface InventoryDeps {
  graph: GraphDirectory;
  rbac: AzureRbac;
  subscriptions(): Promise<string[]>;
  now: () => number;
  /** Who invited whom, from the audit log or Warden's store, when known (guest id → inviter label). */
  invitedBy?: (guestIds: readonly string[]) => Promise<Map<string, string>>;
  onProgress?: (step: string, done: number, total: number) => void;
}

const RECENT_MS = 30 * 86_400_000;
const SOON_MS = 2 * 86_400_000;
const IDS_PER_FILTER = 15;

export function isExternal(user: Pick<GraphUser, "userType" | "userPrincipalName">): boolean {
  return user.userType === "Guest" || (user.userPrincipalName ?? "").toUpperCase().includes("#EXT#");
}

/** The home domain of an external account: from its mail, or from its `alice_fabrikam.com#EXT#@...` UPN. */
export function homeDomainOf(user: Pick<GraphUser, "mail" | "userPrincipalName">): string | null {
  if (user.mail?.includes("@")) return user.mail.split("@")[1]?.toLowerCase() ?? null;
  const local = user.userPrincipalName?.split("#EXT#")[0];
  const at = local?.lastIndexOf("_") ?? -1;
  return local !== undefined && at >= 0 ? local.slice(at + 1).toLowerCase() : null;
}

const isGroup = (p: GraphRoleAssignment["principal"]) => p?.["@odata.type"] === "#microsoft.graph.group";

/**
 * Every external principal (guest or #EXT# member) holding a privileged Entra role (active or eligible,
 * directly or through a role-assignable group) or a privileged Azure role at subscription, management
 * group or root scope. Calls: one listing per role kind, one per role-assignable group, one per
 * subscription plus the root management group, one per custom role, one per 15 candidate users.
 */
/** The external admins found, and what could not be read (said with the list, never left out quietly). */
export interface Inventory {
  entries: InventoryEntry[];
  gaps: string[];
}

export async function collectInventory(deps: InventoryDeps): Promise<Inventory> {
  const progress = deps.onProgress ?? (() => undefined);
  const held = new Map<string, HeldRole[]>();
  const hold = (id: string, role: HeldRole) =>
    held.set(id.toLowerCase(), [...(held.get(id.toLowerCase()) ?? []), role]);
  progress("Entra roles", 0, 2);
  const { active, eligible } = await privilegedRoleHolders(deps.graph, DEFAULT_PRIVILEGED_ENTRA_ROLES);
  progress("Entra roles", 2, 2);
  const groupsToExpand = new Map<string, { name: string; roles: HeldRole[] }>();
  for (const [list, assignment] of [
    [active, "active"],
    [eligible, "eligible"],
  ] as const) {
    for (const a of list) {
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
      if (isGroup(a.principal)) {
        const group = groupsToExpand.get(a.principalId) ?? {
          name: a.principal?.displayName ?? a.principalId,
          roles: [],
        };
        group.roles.push(role);
        groupsToExpand.set(a.principalId, group);
      } else hold(a.principalId, role);
    }
  }
  let groupsDone = 0;
  for (const [groupId, group] of groupsToExpand) {
    const members = await deps.graph.all<{ id: string }>(`/groups/${groupId}/transitiveMembers`, {
      $select: "id",
      $top: "999",
    });
    for (const m of members) for (const role of group.roles) hold(m.id, { ...role, viaGroup: group.name });
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
    hold(a.principalId, {
      kind: "azure",
      roleId: guid,
      roleName: name ?? guid,
      scope: a.scope,
      assignment: "active",
      since: a.createdOn ?? undefined,
    });
  }

  // Only principals with privilege are read, 15 to a request: far fewer calls than listing every guest.
  const candidates = [...held.keys()];
  const users: (GraphUser & { signInActivity?: { lastSignInDateTime?: string | null } })[] = [];
  // Last sign-ins come with the same reads when the tenant's licence allows; else they are left out.
  let select = `${USER_SELECT},signInActivity`;
  for (let i = 0; i < candidates.length; i += IDS_PER_FILTER) {
    const ids = candidates.slice(i, i + IDS_PER_FILTER);
    const filter = `id in (${ids.map((id) => `'${id}'`).join(",")})`;
    try {
      users.push(...(await deps.graph.all<GraphUser>("/users", { $filter: filter, $select: select })));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 403 || select === USER_SELECT) throw error;
      select = USER_SELECT;
      users.push(...(await deps.graph.all<GraphUser>("/users", { $filter: filter, $select: select })));
    }
    progress("principals", Math.min(i + IDS_PER_FILTER, candidates.length), candidates.length);
  }
  const externals = users.filter(isExternal);
  const risky = new Set(
    (await deps.graph.riskyUsers("riskState eq 'atRisk'")).map((r) => r.id.toLowerCase()),
  );
  const inviters =
    deps.invitedBy === undefined
      ? await invitersFromAuditLog(deps.graph, deps.now())
      : await deps.invitedBy(externals.map((u) => u.id));
  const now = deps.now();
  const entries = externals
    .map((user): InventoryEntry => {
      const roles = (held.get(user.id.toLowerCase()) ?? []).sort(
        (a, b) =>
          a.kind.localeCompare(b.kind) ||
          a.roleName.localeCompare(b.roleName) ||
          a.scope.localeCompare(b.scope),
      );
      const created = Date.parse(user.createdDateTime ?? "");
      const firstPromotion = Math.min(...roles.map((r) => Date.parse(r.since ?? "")).filter(Number.isFinite));
      return {
        id: user.id,
        displayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
        mail: user.mail,
        userType: user.userType,
        homeDomain: homeDomainOf(user),
        createdDateTime: user.createdDateTime,
        invitedBy: inviters.get(user.id.toLowerCase()) ?? null,
        accountEnabled: user.accountEnabled,
        lastSignIn: user.signInActivity?.lastSignInDateTime ?? null,
        roles,
        risk: {
          recentlyCreated: Number.isFinite(created) && now - created < RECENT_MS,
          riskyUser: risky.has(user.id.toLowerCase()),
          promotedSoonAfterCreation:
            Number.isFinite(created) && Number.isFinite(firstPromotion) && firstPromotion - created < SOON_MS,
        },
      };
    })
    .sort(
      (a, b) =>
        riskScore(b) - riskScore(a) || (a.userPrincipalName ?? "").localeCompare(b.userPrincipalName ?? ""),
    );
  return { entries, gaps };
}

/** Riskiest first: a risky or new account with privilege is what an admin should look at first. */
function riskScore(e: InventoryEntry): number {
  return (
    (e.risk.riskyUser ? 4 : 0) + (e.risk.promotedSoonAfterCreation ? 2 : 0) + (e.risk.recentlyCreated ? 1 : 0)
  );
}

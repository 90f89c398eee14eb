import { AZURE_ROLE, AZURE_ROLE_NAMES, ENTRA_ROLE, ENTRA_ROLE_NAMES } from "../detect/roles.js";
import type { SimDirectory } from "../sim/tenant/directory.js";

const TAKEOVER_ENTRA_ROLES = new Set<string>([
  ENTRA_ROLE.globalAdministrator,
  ENTRA_ROLE.privilegedRoleAdministrator,
]);
const TAKEOVER_AZURE_ROLES = new Set<string>([AZURE_ROLE.owner, AZURE_ROLE.userAccessAdministrator]);

/** Roles the seeded tenant gives its partners that detection does not need to name. */
const OTHER_ENTRA_ROLE_NAMES: Readonly<Record<string, string>> = {
  "4a5d8f65-41da-4de4-8968-e035b65339cf": "Reports Reader",
  "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
};

export interface TenantUserView {
  id: string;
  displayName: string;
  userPrincipalName: string;
  userType: "Member" | "Guest";
  accountEnabled: boolean;
  entraRoles: string[];
  eligibleRoles: string[];
  azureRoles: string[];
  requiresMfa: boolean;
  protected: boolean;
}

export interface TenantView {
  users: TenantUserView[];
  conditionalAccess: { displayName: string; state: string }[];
  subscriptions: { subscriptionId: string; displayName: string }[];
  transfers: { blockLeaving: boolean; blockEntering: boolean; updatedBy: string | null };
  /** The latest writes through the APIs (in the demo, only Warden writes through them), newest first. */
  recentWrites: { at: number; what: string; target: string }[];
}

/**
 * The simulated tenant as the console shows it beside the channel: the people an attack or a
 * containment touches (anyone privileged, any guest, anyone disabled or under Warden's MFA policy),
 * the conditional access policies and the transfer policy, read live from the simulation.
 */
export function tenantView(directory: SimDirectory, breakGlassIds: readonly string[]): TenantView {
  const mfaGroup = [...directory.groups.values()].find((g) => g.mailNickname === "warden-contained-mfa");
  const entraRoleName = (id: string) =>
    ENTRA_ROLE_NAMES[id] ?? OTHER_ENTRA_ROLE_NAMES[id] ?? `role ${id.slice(0, 8)}…`;
  const users: TenantUserView[] = [];
  for (const user of directory.users.values()) {
    const entraRoles = [...directory.roleAssignments.values()]
      .filter((a) => a.principalId === user.id)
      .map((a) => entraRoleName(a.roleDefinitionId));
    const eligibleRoles = [...directory.eligibilities.values()]
      .filter((e) => e.principalId === user.id)
      .map((e) => entraRoleName(e.roleDefinitionId));
    const azureRoles = grouped(
      [...directory.azureAssignments.values()]
        .filter((a) => a.principalId === user.id)
        .map((a) => ({
          role:
            directory.azureRoleDefinitions.get(a.roleDefinitionGuid)?.roleName ??
            AZURE_ROLE_NAMES[a.roleDefinitionGuid] ??
            `role ${a.roleDefinitionGuid.slice(0, 8)}…`,
          scope: a.scope,
        })),
    );
    const requiresMfa = mfaGroup?.members.has(user.id) ?? false;
    // Who a takeover is about: guests, whoever Warden contained, and the holders of the roles that own
    // a tenant or a subscription. Readers and helpdesk staff would only bury them.
    const ownsSomething =
      [...directory.roleAssignments.values(), ...directory.eligibilities.values()].some(
        (a) => a.principalId === user.id && TAKEOVER_ENTRA_ROLES.has(a.roleDefinitionId),
      ) ||
      [...directory.azureAssignments.values()].some(
        (a) => a.principalId === user.id && TAKEOVER_AZURE_ROLES.has(a.roleDefinitionGuid),
      );
    const shown = user.userType === "Guest" || !user.accountEnabled || requiresMfa || ownsSomething;
    if (!shown) continue;
    users.push({
      id: user.id,
      displayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      userType: user.userType,
      accountEnabled: user.accountEnabled,
      entraRoles,
      eligibleRoles,
      azureRoles,
      requiresMfa,
      protected: breakGlassIds.includes(user.id),
    });
  }
  // What Warden changed first, then guests, then by name: what moves is near the top.
  const contained = (u: TenantUserView) => Number(!u.accountEnabled || u.requiresMfa);
  users.sort(
    (a, b) =>
      contained(b) - contained(a) ||
      Number(b.userType === "Guest") - Number(a.userType === "Guest") ||
      a.displayName.localeCompare(b.displayName),
  );
  return {
    users,
    conditionalAccess: [...directory.caPolicies.values()].map((p) => ({
      displayName: p.displayName,
      state: p.state,
    })),
    subscriptions: directory.subscriptions.map((s) => ({
      subscriptionId: s.subscriptionId,
      displayName: s.displayName,
    })),
    transfers: {
      blockLeaving: directory.policy.blockSubscriptionsLeavingTenant,
      blockEntering: directory.policy.blockSubscriptionsIntoTenant,
      updatedBy: directory.policy.updatedBy,
    },
    recentWrites: directory.changes
      .slice(-12)
      .reverse()
      .map((c) => ({ at: c.at, what: c.what, target: c.target })),
  };
}

/** "Reader on 3 scopes", "Owner on subscription 4f9c4811…": one line per role, not per scope. */
function grouped(assignments: { role: string; scope: string }[]): string[] {
  const byRole = new Map<string, string[]>();
  for (const a of assignments) byRole.set(a.role, [...(byRole.get(a.role) ?? []), a.scope]);
  return [...byRole].map(([role, scopes]) => {
    const [only] = scopes;
    return scopes.length === 1 && only !== undefined
      ? `${role} on ${shortScope(only)}`
      : `${role} on ${scopes.length} scopes`;
  });
}

function shortScope(scope: string): string {
  if (scope === "/") return "the root scope";
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope);
  if (sub !== null) return `subscription ${sub[1]?.slice(0, 8)}…`;
  return scope;
}

import { type Detector, finding, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";
import { AZURE_ROLE, AZURE_ROLE_NAMES, scopeLevel } from "../roles.js";

const BROAD_SCOPES = new Set(["root", "management-group", "subscription"]);

/**
 * An external principal gets a role that controls a subscription (or more) at subscription,
 * management-group or root scope. Resource-group scope is left to review: it cannot move a subscription.
 */
export const guestAzurePrivilegedRole: Detector = {
  rule: "guest-azure-privileged-role",
  severity: "high",
  kinds: ["azure-role-assigned"],
  detect(event, history, config) {
    if (event.kind !== "azure-role-assigned" || !event.succeeded) return [];
    const roleId = event.roleDefinitionId;
    if (roleId === undefined) return [];
    const builtIn = config.privilegedAzureRoles.includes(roleId);
    if (!builtIn && !history.isPrivilegedCustomRole(roleId)) return [];
    const level = scopeLevel(event.scope);
    if (!BROAD_SCOPES.has(level)) return [];
    if (!history.isExternal(event.subject)) return [];
    const roleName = AZURE_ROLE_NAMES[roleId] ?? `custom role ${roleId}`;
    const canGrant = roleId === AZURE_ROLE.owner || roleId === AZURE_ROLE.userAccessAdministrator || !builtIn;
    // ARM names the principal by object id only; the directory's own records gave its UPN.
    const subject = subjectOf(event.subject, true);
    const name = history.principal(event.subject)?.userPrincipalName;
    if (subject.userPrincipalName === undefined && name !== undefined) subject.userPrincipalName = name;
    return [
      finding(this, event, {
        key: event.id,
        subject,
        actor: event.actor,
        subscriptionIds: [event.subscriptionId],
        summary:
          event.eligible === true
            ? `${principalLabel(event.actor)} made external ${subject.userPrincipalName ?? subject.id ?? "principal"} eligible (PIM) for ${roleName} at ${level} scope ${event.scope ?? ""}`.trim()
            : `${principalLabel(event.actor)} gave ${roleName} at ${level} scope ${event.scope ?? ""} to external ${subject.userPrincipalName ?? subject.id ?? "principal"}`.trim(),
        confidence: canGrant ? 0.8 : 0.75,
        // The scope is what ARM logged (BROAD_SCOPES checked it is one): containment removes this one.
        grants: [{ kind: "azure-role", roleDefinitionId: roleId, scope: event.scope ?? "" }],
      }),
    ];
  },
};

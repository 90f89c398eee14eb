import { type Detector, describeExternal, finding, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";
import { ENTRA_ROLE, ENTRA_ROLE_NAMES } from "../roles.js";

/** Roles that hand over the whole tenant: findings about them start nearer certainty. */
const TENANT_TAKEOVER_ROLES = new Set<string>([
  ENTRA_ROLE.globalAdministrator,
  ENTRA_ROLE.privilegedRoleAdministrator,
  ENTRA_ROLE.privilegedAuthenticationAdministrator,
]);

/** An external user becomes an active or eligible member of a privileged Entra role. */
export const guestPrivilegedRole: Detector = {
  rule: "guest-privileged-role",
  severity: "high",
  kinds: ["directory-role-added"],
  detect(event, history, config) {
    if (event.kind !== "directory-role-added" || !event.succeeded) return [];
    const templateId = event.role.templateId;
    if (templateId === undefined || !config.privilegedEntraRoles.includes(templateId)) return [];
    if (!history.isExternal(event.subject)) return [];
    const roleName = ENTRA_ROLE_NAMES[templateId] ?? event.role.displayName ?? templateId;
    const how = event.eligible ? "made eligible for" : "made an active member of";
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectOf(event.subject, true),
        actor: event.actor,
        summary: `${principalLabel(event.actor)} ${how} ${roleName}: ${describeExternal(event.subject)}`,
        confidence: TENANT_TAKEOVER_ROLES.has(templateId) ? 0.8 : 0.7,
        grants: [{ kind: "directory-role", roleTemplateId: templateId }],
      }),
    ];
  },
};

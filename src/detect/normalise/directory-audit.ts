import type { Principal, SecurityEvent } from "../event.js";
import { isExternalUpn } from "../identity.js";
import { principalOfTarget, targetType } from "./audit-targets.js";
import type { MapperInput } from "./context.js";
import { auditValue, field, guid, isGuid, type JsonObject, obj, objects, str, strField } from "./fields.js";
import { mapPolicyOrGroupChange, POLICY_AND_GROUP_ACTIVITIES } from "./group-and-policy.js";
import { graphUser, principal } from "./principal.js";
import { parseTime } from "./time.js";

/**
 * Microsoft Graph `directoryAudit` to SecurityEvent. The Entra diagnostic-settings export, the Log
 * Analytics `AuditLogs` table and the unified audit log are converted to this shape first, so the
 * meaning of an audit entry is decided here only.
 */

// Exact activity names from Microsoft's audit log; compared lower-case with a trailing period removed,
// because the unified audit log spells them "Add member to role.".
const ROLE_ADDS = new Set([
  "add member to role",
  "add eligible member to role",
  "add member to role in pim completed (permanent)",
  "add member to role in pim completed (timebound)",
  "add eligible member to role in pim completed (permanent)",
  "add eligible member to role in pim completed (timebound)",
]);

/**
 * Elevate access as the Entra audit log writes it ("Elevate access to manage all Azure subscriptions and
 * management groups", View elevate access log entries: category AzureRBACRoleManagementElevateAccess).
 */
const ELEVATE_ACCESS =
  "user has elevated their access to user access administrator for their azure resources";
const ELEVATE_ACCESS_CATEGORY = "azurerbacrolemanagementelevateaccess";

/** Every activity this mapper gives meaning to (the rest are `other` events), lower-case, no period. */
export const AUDIT_ACTIVITIES_READ: ReadonlySet<string> = new Set([
  ELEVATE_ACCESS,
  "invite external user",
  "add user",
  "redeem external user invite",
  ...ROLE_ADDS,
  ...POLICY_AND_GROUP_ACTIVITIES,
]);

export function activityKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

export function mapDirectoryAudit(audit: JsonObject, input: MapperInput): SecurityEvent | undefined {
  const activity = strField(audit, "activityDisplayName");
  const time = parseTime(field(audit, "activityDateTime"));
  const rawId = strField(audit, "id");
  if (activity === undefined || time === undefined || rawId === undefined) return undefined;
  const header = {
    id: `entra-audit:${rawId}`,
    source: "entra-audit" as const,
    shape: input.shape,
    tenantId: input.tenantId,
    time,
    operation: activity,
    succeeded: (strField(audit, "result") ?? "success").toLowerCase() === "success",
    actor: initiator(audit),
    correlationId: strField(audit, "correlationId"),
  };
  const key = activityKey(activity);
  // The same elevation, whatever the activity's wording: its category is its own.
  if (key === ELEVATE_ACCESS || strField(audit, "category")?.toLowerCase() === ELEVATE_ACCESS_CATEGORY)
    return { ...header, kind: "elevate-access" };
  // Most audit entries are none of the kinds below: return them before reading their targets.
  if (!AUDIT_ACTIVITIES_READ.has(key)) return { ...header, kind: "other" };
  const targets = objects(field(audit, "targetResources"));
  const details = objects(field(audit, "additionalDetails"));

  if (key === "invite external user") {
    const subject = userTarget(targets) ?? { type: "user" as const };
    const mail = detail(details, "invitedUserEmailAddress")?.toLowerCase();
    return {
      ...header,
      kind: "user-invited",
      subject: { ...subject, external: true, ...(mail ? { mail } : {}) },
    };
  }
  if (key === "add user") {
    const subject = userTarget(targets) ?? { type: "user" as const };
    const props = modifiedProperties(targets);
    const upn = subject.userPrincipalName ?? props.get("userprincipalname");
    const userType = props.get("usertype");
    const enabledValue = props.get("accountenabled");
    const external = isExternalUpn(upn) || userType?.toLowerCase() === "guest";
    return {
      ...header,
      kind: "user-added",
      subject: { ...subject, ...(upn ? { userPrincipalName: upn } : {}), external },
      enabled: enabledValue === undefined ? undefined : enabledValue.toLowerCase() === "true",
    };
  }
  if (key === "redeem external user invite") {
    const subject = userTarget(targets) ?? { type: "user" as const };
    return { ...header, kind: "invite-redeemed", subject: { ...subject, external: true } };
  }
  if (ROLE_ADDS.has(key)) {
    const subject = memberTarget(targets) ?? { type: "unknown" as const };
    const operationType = strField(audit, "operationType")?.toLowerCase();
    return {
      ...header,
      kind: "directory-role-added",
      subject,
      role: roleOf(targets, details),
      eligible: key.includes("eligible") || operationType === "assigneligiblerole",
    };
  }
  return mapPolicyOrGroupChange(key, header, targets) ?? { ...header, kind: "other" };
}

function initiator(audit: JsonObject): Principal | undefined {
  const by = obj(field(audit, "initiatedBy"));
  if (by === undefined) return undefined;
  const user = obj(field(by, "user"));
  if (user !== undefined && (strField(user, "id") ?? strField(user, "userPrincipalName")) !== undefined) {
    return graphUser({
      id: field(user, "id"),
      userPrincipalName: strField(user, "userPrincipalName"),
      displayName: strField(user, "displayName"),
      ipAddress: field(user, "ipAddress"),
    });
  }
  const app = obj(field(by, "app"));
  if (app !== undefined) {
    return principal({
      type: "servicePrincipal",
      id: guid(field(app, "servicePrincipalId")),
      appId: guid(field(app, "appId")),
      displayName: strField(app, "displayName"),
    });
  }
  return undefined;
}

function userTarget(targets: JsonObject[]): Principal | undefined {
  const user = targets.find((t) => targetType(t) === "user");
  return user === undefined ? undefined : principalOfTarget(user);
}

/** A role's new member: a user, a service principal or a (role-assignable) group. */
function memberTarget(targets: JsonObject[]): Principal | undefined {
  for (const wanted of ["user", "serviceprincipal", "group"]) {
    const target = targets.find((t) => targetType(t) === wanted);
    if (target !== undefined) return principalOfTarget(target);
  }
  return undefined;
}

/** Lower-cased property name to its new value, over every target. */
function modifiedProperties(targets: JsonObject[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const target of targets) {
    for (const prop of objects(field(target, "modifiedProperties"))) {
      const name = strField(prop, "displayName") ?? strField(prop, "name");
      const value = auditValue(field(prop, "newValue"));
      if (name !== undefined && value !== undefined) values.set(name.toLowerCase(), value);
    }
  }
  return values;
}

function detail(details: JsonObject[], key: string): string | undefined {
  const wanted = key.toLowerCase();
  const found = details.find((d) => strField(d, "key")?.toLowerCase() === wanted);
  return found === undefined ? undefined : str(field(found, "value"));
}

/**
 * Roles are matched by template id, never by display name ("Company Administrator" is Global
 * Administrator's old name). Core Directory puts it on the user target as `Role.TemplateId`; PIM on the
 * role target as `TemplateId` and in additionalDetails.
 */
function roleOf(targets: JsonObject[], details: JsonObject[]): { templateId?: string; displayName?: string } {
  const props = modifiedProperties(targets);
  const roleTarget = targets.find((t) => targetType(t) === "role");
  const candidates = [
    props.get("role.templateid"),
    props.get("templateid"),
    detail(details, "TemplateId"),
    roleTarget === undefined ? undefined : strField(roleTarget, "id"),
  ];
  const templateId = candidates.find(isGuid)?.toLowerCase();
  const displayName =
    props.get("role.displayname") ??
    (roleTarget === undefined ? undefined : strField(roleTarget, "displayName"));
  const role: { templateId?: string; displayName?: string } = {};
  if (templateId !== undefined) role.templateId = templateId;
  if (displayName !== undefined) role.displayName = displayName;
  return role;
}

import type { AlertSeverity, Principal, SecurityEvent } from "../event.js";
import { isExternalUpn } from "../identity.js";
import type { NormaliseContext } from "./context.js";
import { guid, type JsonObject, obj, objects, str, strField, subscriptionOf } from "./fields.js";
import { principal } from "./principal.js";
import { parseTime, toIso } from "./time.js";

/**
 * Graph's `microsoft.graph.security.alert` (`GET /security/alerts_v2`, Learn: security-list-alerts_v2;
 * the properties are the v1.0 CSDL's): Defender XDR's alerts, Defender for Cloud Apps' among them, the
 * ones Microsoft's write-up lists beside these attacks ("Multiple VM activities", "Impossible travel
 * activity", "Suspicious role assignment in Azure subscription", ...). An export of that API (a list page,
 * or its `value`) reads the same way.
 */

/**
 * What an alert id may hold. Microsoft's are letters, digits, `_` and `-` (`da637551227677560813_-961444813`,
 * `caD1B6...`); the id is put in a link to the Defender portal, so anything else is refused rather than
 * escaped: a forged export must not shape that link.
 */
const ALERT_ID = /^[A-Za-z0-9_-]{1,128}$/;

const SEVERITIES: ReadonlySet<string> = new Set(["informational", "low", "medium", "high"]);

export function isSecurityAlert(r: JsonObject): boolean {
  const type = str(r["@odata.type"]);
  if (type !== undefined) return type.toLowerCase() === "#microsoft.graph.security.alert";
  return (
    r["serviceSource"] !== undefined &&
    r["title"] !== undefined &&
    r["severity"] !== undefined &&
    (r["lastUpdateDateTime"] !== undefined || r["createdDateTime"] !== undefined)
  );
}

export function mapSecurityAlert(r: JsonObject, context: NormaliseContext): SecurityEvent | undefined {
  const alertId = str(r["id"]);
  if (alertId === undefined) return undefined;
  if (!ALERT_ID.test(alertId))
    throw new Error(
      `alert id ${JSON.stringify(alertId.slice(0, 40))} holds characters Microsoft's alert ids never do (letters, digits, _ and - only)`,
    );
  const created = parseTime(r["createdDateTime"]);
  const updatedAt = parseTime(r["lastUpdateDateTime"]) ?? created;
  if (updatedAt === undefined) return undefined;
  const firstActivity = parseTime(r["firstActivityDateTime"]) ?? created ?? updatedAt;
  const lastActivity = Math.max(parseTime(r["lastActivityDateTime"]) ?? firstActivity, firstActivity);
  const severityText = str(r["severity"])?.toLowerCase();
  const severity: AlertSeverity =
    severityText !== undefined && SEVERITIES.has(severityText) ? (severityText as AlertSeverity) : "unknown";
  const title = str(r["title"]) ?? "Untitled alert";
  const evidence = objects(r["evidence"]);
  const classification = str(r["classification"]);
  return {
    kind: "security-alert",
    // One event per version of the alert: an update (a reclassification, more evidence) is read again.
    id: `alert:${alertId}@${toIso(updatedAt)}`,
    source: "security-alert",
    shape: "graph-security-alert",
    tenantId: (guid(r["tenantId"]) ?? context.tenantId).toLowerCase(),
    time: firstActivity,
    operation: title,
    succeeded: true,
    alertId,
    title,
    severity,
    serviceSource: str(r["serviceSource"]) ?? "unknown",
    ...(classification === undefined ? {} : { classification }),
    firstActivity,
    lastActivity,
    updatedAt,
    users: usersIn(evidence),
    mentionsUsers: evidence.some((item) => obj(item["userAccount"]) !== undefined),
    subscriptionIds: subscriptionsIn(evidence),
  };
}

/**
 * The roles by which an alert says a user is what it is about (evidenceRole, v1.0 CSDL). A user named
 * only as `attacked`, `contextual`, `destination` or `scanned` (every target of a password spray, a
 * phishing recipient) is not: otherwise an outsider spraying the admins would raise every finding about
 * them. Evidence with no role says nothing either way and counts.
 */
const ABOUT_THE_USER: ReadonlySet<string> = new Set(["compromised", "attacker", "suspicious", "source"]);

/** `userEvidence` (and the account of a process or a cloud logon): each user by object id or UPN. */
function usersIn(evidence: JsonObject[]): Principal[] {
  const users: Principal[] = [];
  for (const item of evidence) {
    const account = obj(item["userAccount"]);
    if (account === undefined) continue;
    const roles = Array.isArray(item["roles"]) ? item["roles"].map((r) => String(r).toLowerCase()) : [];
    if (roles.length > 0 && !roles.some((r) => ABOUT_THE_USER.has(r))) continue;
    const id = guid(account["azureAdUserId"]);
    const upn = strField(account, "userPrincipalName");
    if (id === undefined && upn === undefined) continue;
    users.push(
      principal({
        type: "user",
        id,
        userPrincipalName: upn,
        displayName: strField(account, "displayName"),
        external: isExternalUpn(upn) || undefined,
      }),
    );
  }
  return users;
}

/**
 * `azureResourceEvidence.resourceId`: the subscriptions whose resources the alert is about. A device's
 * `vmMetadata` is not read: an alert on a VM (a brute force on an internet-facing machine, which anyone
 * outside can set off) says nothing about who holds the subscription.
 */
function subscriptionsIn(evidence: JsonObject[]): string[] {
  const found = new Set<string>();
  for (const item of evidence) {
    const fromResource = subscriptionOf(str(item["resourceId"]));
    if (fromResource !== undefined) found.add(fromResource);
    // A blob container's evidence names its storage account as a nested azureResourceEvidence.
    const storage = subscriptionOf(str(obj(item["storageResource"])?.["resourceId"]));
    if (storage !== undefined) found.add(storage);
  }
  return [...found];
}

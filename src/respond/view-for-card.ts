import type { IncidentView } from "../cards/incident-view.js";
import type { Finding } from "../detect/finding.js";
import { isGuid } from "../detect/normalise/fields.js";
import type { ActionRow } from "../store/actions-repo.js";
import { actionsOf } from "../store/actions-repo.js";
import type { Queryable } from "../store/database.js";
import { findingsByIds } from "../store/findings-repo.js";
import { auditTrail, type IncidentRow } from "../store/incidents-repo.js";
import { firstApproval } from "./decide.js";

/**
 * Each rule's title for a card, in the order of priority when an incident has several rules (the first
 * that applies names it). A record, so that a new rule without a title does not compile.
 */
const TITLES: Readonly<Record<Finding["rule"], string>> = {
  "subscription-hijack-chain": "A guest was given admin rights and moved a subscription out of the directory",
  "subscription-directory-changed": "A subscription was moved to another directory",
  "containment-tampered": "Someone changed Warden's containment policy or group",
  "guest-privileged-role": "A guest was given a privileged Entra role",
  "guest-azure-privileged-role": "A guest was given a privileged Azure role",
  "guest-vm-burst": "A new external account is creating virtual machines",
  "external-vm-created": "An external account created a virtual machine",
  "subscription-created": "A subscription was created by an admin with a risky sign-in",
  "risky-ip-vm-created": "A virtual machine was created from a risky address",
  "risky-signin-resource-group": "A high-risk sign-in was followed by new resource groups",
  "elevate-access": "An admin elevated to User Access Administrator at the root",
  "subscription-policy-changed": "The subscription transfer policy was changed",
  "guest-invited": "A guest was invited",
};

/**
 * The portal page where an analyst checks a finding. Built only from fixed addresses and ids checked to
 * be GUIDs: a user id or tenant id from a log is the attacker's choice, and must never shape a link.
 */
function portalLink(f: Finding, tenantId: string): string | undefined {
  // The first of Warden's own records: an alert may come first in time, but has its own link.
  const ev = f.evidence.find((e) => e.source !== "security-alert");
  if (ev === undefined) return undefined;
  if (ev.source === "warden" && f.subject.type === "subscription") {
    // Warden saw the subscription leave the list: the list is where an analyst confirms it is gone.
    return "https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Resources%2Fsubscriptions";
  }
  if (ev.source === "azure-activity") {
    return "https://portal.azure.com/#view/Microsoft_Azure_ActivityLog/ActivityLogBlade";
  }
  if (f.subject.type === "user" && isGuid(f.subject.id) && isGuid(tenantId)) {
    return `https://entra.microsoft.com/${tenantId}/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/${f.subject.id}`;
  }
  return "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuditLogList.ReactView";
}

/** Letters, digits, `_` and `-`: the alert ids Microsoft gives (normalise/security-alert.ts refuses others). */
const ALERT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Microsoft's alerts attached to the findings, once each, first: each links to the alert in the Defender
 * portal, built from the alert's id checked again here (a stored body is not trusted to have been
 * checked), never from the `alertWebUrl` a record carries.
 */
function alertLines(findings: readonly Finding[], tenantId: string): { text: string; url?: string }[] {
  const seen = new Map<string, { text: string; url?: string }>();
  for (const f of findings)
    for (const e of f.evidence) {
      if (e.source !== "security-alert" || seen.has(e.id)) continue;
      const url =
        ALERT_ID.test(e.id) && isGuid(tenantId)
          ? `https://security.microsoft.com/alerts/${e.id}?tid=${tenantId}`
          : undefined;
      seen.set(e.id, { text: `Microsoft alert: ${e.operation}`, ...(url === undefined ? {} : { url }) });
    }
  const lines = [...seen.values()];
  if (lines.length <= MAX_ALERT_LINES) return lines;
  return [
    ...lines.slice(0, MAX_ALERT_LINES),
    { text: `${lines.length - MAX_ALERT_LINES} more Microsoft alerts in the findings' evidence` },
  ];
}

/** Alerts shown on the card at most (then one line counting the rest). */
const MAX_ALERT_LINES = 2;

function kindOf(f: Finding): NonNullable<IncidentView["subject"]>["kind"] {
  if (f.subject.type === "tenant") return "tenant";
  if (f.subject.type === "subscription") return "subscription";
  if (f.subject.external === true)
    return (f.subject.userPrincipalName ?? "").includes("#EXT#") ? "guest" : "external member";
  return f.subject.type === "user" ? "member" : "unknown";
}

/** Reads what an incident's card shows from the store. */
export async function incidentView(db: Queryable, incident: IncidentRow): Promise<IncidentView> {
  const findings = await findingsByIds(db, incident.findingIds);
  const actions: ActionRow[] = await actionsOf(db, incident.id);
  const trail = await auditTrail(db, incident.id);
  const title =
    Object.entries(TITLES).find(([rule]) => incident.rules.includes(rule as Finding["rule"]))?.[1] ??
    "Suspicious change";
  const main =
    findings.find((f) => f.subject.type === "user" && f.subject.external === true) ??
    findings.find((f) => f.subject.type === "user") ??
    findings[0];
  const decision = [...trail]
    .reverse()
    .find((e) => ["approved", "denied", "auto-contain", "reverted"].includes(e.action));
  const waiting = [...trail].reverse().find((e) => e.action === "awaiting-approval" || e.action === "grew");
  const actor = findings.find((f) => f.actor !== undefined)?.actor;
  const first = await firstApproval(db, incident);
  return {
    id: incident.id,
    version: incident.version,
    state: incident.state,
    severity: incident.severity,
    confidence: incident.confidence,
    title,
    ...(main === undefined
      ? {}
      : {
          subject: {
            name: main.subject.displayName ?? main.subject.userPrincipalName ?? main.subject.id ?? "unknown",
            ...(main.subject.userPrincipalName === undefined
              ? {}
              : { userPrincipalName: main.subject.userPrincipalName }),
            kind: kindOf(main),
          },
        }),
    ...(actor === undefined
      ? {}
      : {
          actor: {
            name: actor.displayName ?? actor.userPrincipalName ?? actor.id ?? "unknown",
            ...(actor.userPrincipalName === undefined ? {} : { userPrincipalName: actor.userPrincipalName }),
            ...(actor.ipAddress === undefined ? {} : { ipAddress: actor.ipAddress }),
          },
        }),
    timeline: findings.map((f) => ({ time: f.time, text: f.summary })).sort((a, b) => a.time - b.time),
    // Microsoft's alerts first, but at most three lines of the card's eight: most stay Warden's own.
    evidence: [
      ...alertLines(findings, incident.tenantId),
      ...findings.flatMap((f) => {
        const url = portalLink(f, incident.tenantId);
        return [
          {
            text: `${f.rule}: ${f.evidence
              .filter((e) => e.source !== "security-alert")
              .map((e) => e.operation)
              .join(", ")}`,
            ...(url === undefined ? {} : { url }),
          },
        ];
      }),
    ],
    actions: actions.map((a) => {
      const changes = Array.isArray(a.plan["changes"]) ? (a.plan["changes"] as string[]) : [];
      const steps = a.changed?.["administratorSteps"];
      const asked = a.state === "awaiting-admin" || a.state === "undo-awaiting-admin";
      return {
        id: a.id,
        action: a.action,
        target: String((a.target as { label?: string }).label ?? ""),
        changes,
        state: a.state,
        ...(a.outcome === null ? {} : { outcome: a.outcome }),
        ...(asked && Array.isArray(steps) ? { administratorSteps: steps.map(String) } : {}),
      };
    }),
    ...(decision === undefined
      ? {}
      : {
          decision: {
            by:
              decision.actorName ??
              (decision.action === "auto-contain" ? "automatic containment" : "unknown"),
            at: decision.at,
            ...(typeof decision.detail?.["reason"] === "string" ? { reason: decision.detail["reason"] } : {}),
          },
        }),
    ...(typeof waiting?.detail?.["reason"] === "string" ? { waitingBecause: waiting.detail["reason"] } : {}),
    ...(first === undefined ? {} : { firstApprovalBy: first.name, firstApprovalOf: first.verb }),
  };
}

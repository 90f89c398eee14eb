import type { IncidentView } from "../cards/incident-view.js";
import type { Finding, Severity } from "../detect/finding.js";
import { homeAddress, homeDomain, isExternalUpn, readableAddresses } from "../detect/identity.js";
import type { ActionRow } from "../store/actions-repo.js";
import { actionsOf } from "../store/actions-repo.js";
import type { Queryable } from "../store/database.js";
import { eventsByIds } from "../store/events-repo.js";
import { findingsByIds } from "../store/findings-repo.js";
import { auditTrail, type IncidentRow } from "../store/incidents-repo.js";
import { displayNames } from "../store/names-repo.js";
import { confidenceReasonsOf, evidenceOf, notDoneOf, signInOf, timelineOf } from "./card-evidence.js";
import { storyOf, who } from "./card-story.js";
import { firstApproval } from "./decide.js";

/**
 * Each rule's title for a card, in the order of priority when an incident has several rules (the first
 * that applies names it). A record, so that a new rule without a title does not compile.
 */
const TITLES: Readonly<Record<Finding["rule"], string>> = {
  "subscription-hijack-chain": "A new admin guest moved a subscription out",
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

function kindOf(f: Finding): NonNullable<IncidentView["subject"]>["kind"] {
  if (f.subject.type === "tenant") return "tenant";
  if (f.subject.type === "subscription") return "subscription";
  // The logs rarely say userType: an external account is called a guest, as the card's title calls it.
  if (f.subject.external === true) return "guest";
  return f.subject.type === "user" ? "member" : "unknown";
}

/** What the card needs besides the store: how long a pending incident waits before it expires. */
export interface ViewOptions {
  expireHours?: Readonly<Record<Severity, number>>;
}

/** The verbs of the trail that are decisions, in the card's words. */
const DECISION_WORDS: Readonly<Record<string, string>> = {
  approved: "Approved",
  denied: "Denied",
  "auto-contain": "Contained automatically",
  "undo-requested": "Undo requested",
  reverted: "Undone",
  "first-approval": "First approval",
};

/** Reads what an incident's card shows from the store. */
export async function incidentView(
  db: Queryable,
  incident: IncidentRow,
  options: ViewOptions = {},
): Promise<IncidentView> {
  const findings = await findingsByIds(db, incident.findingIds);
  const actions: ActionRow[] = await actionsOf(db, incident.id);
  const trail = await auditTrail(db, incident.id);
  const title =
    Object.entries(TITLES).find(([rule]) => incident.rules.includes(rule as Finding["rule"]))?.[1] ??
    "Suspicious change";
  const main =
    findings.find((f) => f.subject.type === "user" && isExternalUpn(f.subject.userPrincipalName)) ??
    findings.find((f) => f.subject.type === "user" && f.subject.external === true) ??
    findings.find((f) => f.subject.type === "user") ??
    findings[0];
  const subscriptionIds = [
    ...new Set(findings.flatMap((f) => f.subscriptionIds.map((s) => s.toLowerCase()))),
  ];
  const names = await displayNames(db, incident.tenantId, [incident.tenantId, ...subscriptionIds]);
  // The records behind the findings (the first of them, as many as the card lists): their correlation
  // ids go beside their record ids, and the sign-in's risk levels are facts, not prose.
  const evidenceIds = [...new Set(findings.flatMap((f) => f.evidence.map((e) => e.id)))].slice(0, 200);
  const records = await eventsByIds(db, incident.tenantId, evidenceIds);
  const riskEvents = records.filter((e) => e.source === "entra-sign-in" || e.source === "entra-risk");
  const decision = [...trail]
    .reverse()
    .find((e) => ["approved", "denied", "auto-contain", "reverted"].includes(e.action));
  const waiting = [...trail].reverse().find((e) => e.action === "awaiting-approval" || e.action === "grew");
  const actor = findings.find((f) => f.actor !== undefined)?.actor;
  const first = await firstApproval(db, incident);
  const evidence = evidenceOf(
    findings,
    incident.tenantId,
    new Map(
      records.flatMap((e) => (e.correlationId === undefined ? [] : [[e.id, e.correlationId] as const])),
    ),
  );
  const signIn = signInOf(findings, riskEvents);
  const owner = trail.findLast((e) => e.action === "acknowledged");
  const pendingSince = trail.findLast((e) => e.toState === "pending" && e.action !== "first-approval")?.at;
  const hours = options.expireHours?.[incident.severity];
  const moved = new Map(
    findings
      .filter((f) => f.rule === "subscription-directory-changed" && f.destinationTenantId !== undefined)
      .map((f) => [f.subscriptionIds[0]?.toLowerCase() ?? "", f.destinationTenantId as string]),
  );
  const disabled = actions.some((a) => a.action === "disable-account" && a.state === "done");
  return {
    id: incident.id,
    version: incident.version,
    state: incident.state,
    severity: incident.severity,
    confidence: incident.confidence,
    title,
    story: storyOf(findings, names, incident.tenantId),
    tenant: {
      id: incident.tenantId,
      ...(names.has(incident.tenantId.toLowerCase())
        ? { name: names.get(incident.tenantId.toLowerCase()) as string }
        : {}),
    },
    subscriptions: subscriptionIds.map((id) => ({
      id,
      ...(names.has(id) ? { name: names.get(id) as string } : {}),
      ...(moved.has(id) ? { movedTo: moved.get(id) as string } : {}),
    })),
    confidenceReasons: confidenceReasonsOf(findings, riskEvents),
    ...(signIn === undefined ? {} : { signIn }),
    ...(incident.state === "pending" && pendingSince !== undefined && hours !== undefined
      ? { expiresAt: pendingSince + hours * 3_600_000 }
      : {}),
    ...(main === undefined ? {} : { subject: subjectOf(main, disabled) }),
    ...(actor === undefined
      ? {}
      : {
          actor: {
            name: who(actor),
            ...(actor.userPrincipalName === undefined ? {} : { userPrincipalName: actor.userPrincipalName }),
            ...(actor.ipAddress === undefined ? {} : { ipAddress: actor.ipAddress }),
          },
        }),
    timeline: timelineOf(findings, names),
    evidence: evidence.lines,
    evidenceMore: evidence.more,
    notDone: notDoneOf(findings, names, incident.tenantId),
    actions: actions.map((a) => actionOf(a, peopleByUpn(findings))),
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
    decisions: trail
      .filter((e) => DECISION_WORDS[e.action] !== undefined)
      .map((e) => ({
        verb: e.detail?.["retry"] === true ? "Retry approved" : (DECISION_WORDS[e.action] as string),
        by: e.actorName ?? (e.action === "auto-contain" ? "automatic containment" : "unknown"),
        at: e.at,
        ...(typeof e.detail?.["reason"] === "string" ? { reason: e.detail["reason"] } : {}),
      })),
    ...(owner === undefined ? {} : { owner: { name: owner.actorName ?? "unknown", at: owner.at } }),
    ...(typeof waiting?.detail?.["reason"] === "string" ? { waitingBecause: waiting.detail["reason"] } : {}),
    ...(first === undefined ? {} : { firstApprovalBy: first.name, firstApprovalOf: first.verb }),
  };
}

/** The subject as the card names it: a guest by its home address, its home tenant by domain. */
function subjectOf(main: Finding, disabled: boolean): NonNullable<IncidentView["subject"]> {
  const s = main.subject;
  const address = s.type === "user" ? (homeAddress(s.userPrincipalName) ?? s.userPrincipalName) : undefined;
  const home =
    s.type === "user"
      ? homeDomain({
          ...(s.userPrincipalName === undefined ? {} : { userPrincipalName: s.userPrincipalName }),
        })
      : undefined;
  return {
    // The name as the tenant holds it (a guest's is its own choice); the header reads by `address`.
    name: s.displayName ?? who(s),
    kind: kindOf(main),
    ...(address === undefined ? {} : { address }),
    ...(s.userPrincipalName === undefined ? {} : { userPrincipalName: s.userPrincipalName }),
    ...(s.id === undefined ? {} : { id: s.id }),
    ...(home === undefined ? {} : { homeTenant: home }),
    ...(disabled ? { enabled: false } : {}),
  };
}

/** An action as the card lists it: names readable, its time, and whether a retry may mend a failure. */
function actionOf(a: ActionRow, people: ReadonlyMap<string, string>): IncidentView["actions"][number] {
  const label = String((a.target as { label?: string }).label ?? "");
  const changes = Array.isArray(a.plan["changes"]) ? (a.plan["changes"] as string[]) : [];
  const steps = a.changed?.["administratorSteps"];
  const asked = a.state === "awaiting-admin" || a.state === "undo-awaiting-admin";
  return {
    id: a.id,
    action: a.action,
    target: people.get(label.toLowerCase()) ?? readableAddresses(label),
    changes: changes.map(readableAddresses),
    state: a.state,
    ...(a.outcome === null ? {} : { outcome: readableAddresses(a.outcome) }),
    ...(a.executedAt === null ? {} : { at: a.executedAt }),
    ...(a.state === "failed" ? { retryable: retryable(a.outcome ?? "") } : {}),
    ...(asked && Array.isArray(steps) ? { administratorSteps: steps.map(String) } : {}),
  };
}

/**
 * The tenant's own people by UPN, named as the story names them ("Priya Raman"): a target's UPN is in
 * the action's exact changes, behind the toggle. Guests are not here: they read by their home address.
 */
function peopleByUpn(findings: readonly Finding[]): Map<string, string> {
  const people = new Map<string, string>();
  for (const f of findings)
    for (const p of [f.subject, f.actor]) {
      if (p?.userPrincipalName === undefined || p.displayName === undefined || p.displayName === "") continue;
      if (isExternalUpn(p.userPrincipalName) || ("external" in p && p.external === true)) continue;
      // who(): the name alone only when it is the UPN's in other words; else the name and the UPN.
      people.set(p.userPrincipalName.toLowerCase(), who(p));
    }
  return people;
}

/**
 * Whether retrying a failed action can succeed: a refusal for a permission (granted since) can; an
 * object that no longer exists or a request Microsoft calls invalid cannot (cloud/errors.ts remedyFor).
 */
export function retryable(outcome: string): boolean {
  return !/^failed: (Not found|Refused as invalid)/.test(outcome);
}

import type { IncidentView, Linked } from "../cards/incident-view.js";
import type { SecurityEvent } from "../detect/event.js";
import type { EvidenceRef, Finding } from "../detect/finding.js";
import { readableAddresses } from "../detect/identity.js";
import { isGuid } from "../detect/normalise/fields.js";
import { type Names, subscriptionName, who } from "./card-story.js";

/**
 * What a sceptic checks before clicking: each record behind the findings, Microsoft's own alerts and risk
 * detections as the reasons for Warden's confidence, and the steps in time order with repeats folded.
 * Every link is built from fixed addresses and ids checked here: a log's string never shapes a URL.
 */

/** Evidence lines shown at most; the rest are counted ("N more in the audit trail"). */
export const MAX_EVIDENCE = 8;

/** Letters, digits, `_` and `-`: the alert ids Microsoft gives (normalise/security-alert.ts refuses others). */
const ALERT_ID = /^[A-Za-z0-9_-]{1,128}$/;

const SOURCE_NAME: Partial<Record<EvidenceRef["source"], string>> = {
  "entra-audit": "Entra audit",
  "entra-sign-in": "Entra sign-in",
  "entra-risk": "Identity Protection",
  "azure-activity": "Azure activity",
  warden: "Warden saw",
};

/**
 * The record id Microsoft gives, without Warden's `source:` prefix: what an analyst searches the log for.
 * An activity-log event's id is Warden's own (correlation id, operation and resource, normalise/arm-event.ts):
 * not Microsoft's, so not shown; its correlation id is.
 */
const recordId = (e: EvidenceRef): string | undefined => {
  const id = e.id.slice(e.id.indexOf(":") + 1);
  return e.source === "azure-activity" && id.includes("|") ? undefined : id;
};

/** The page where a record of this kind is looked at: the log it came from, or the user it is about. */
function pageOf(e: EvidenceRef, f: Finding, tenantId: string): string | undefined {
  if (e.source === "security-alert") {
    return ALERT_ID.test(e.id) && isGuid(tenantId)
      ? `https://security.microsoft.com/alerts/${e.id}?tid=${tenantId}`
      : undefined;
  }
  if (e.source === "warden") {
    return "https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Resources%2Fsubscriptions";
  }
  if (e.source === "azure-activity")
    return "https://portal.azure.com/#view/Microsoft_Azure_ActivityLog/ActivityLogBlade";
  if (e.source === "entra-risk") {
    return "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade/~/RiskDetections";
  }
  if (e.source === "entra-sign-in")
    return "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView";
  if (f.subject.type === "user" && f.subject.id !== undefined && isGuid(f.subject.id) && isGuid(tenantId)) {
    return `https://entra.microsoft.com/${tenantId}/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/${f.subject.id}`;
  }
  return "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuditLogList.ReactView";
}

/** Each record once, Microsoft's alerts first, capped: the rest counted. */
export function evidenceOf(
  findings: readonly Finding[],
  tenantId: string,
  correlationIds: ReadonlyMap<string, string> = new Map(),
): { lines: Linked[]; more: number } {
  const seen = new Map<string, Linked & { alert: boolean; time: number }>();
  for (const f of findings)
    for (const e of f.evidence) {
      if (seen.has(e.id)) continue;
      const alert = e.source === "security-alert";
      const text = alert
        ? `Microsoft alert: ${e.operation}`
        : `${SOURCE_NAME[e.source] ?? e.source}: ${e.operation}${[
            recordId(e) === undefined ? "" : `, record ${recordId(e)}`,
            correlationIds.has(e.id) ? `, correlation ${correlationIds.get(e.id)}` : "",
          ].join("")}`;
      const url = pageOf(e, f, tenantId);
      seen.set(e.id, { text, alert, time: e.time, ...(url === undefined ? {} : { url }) });
    }
  const all = [...seen.values()].sort((a, b) => Number(b.alert) - Number(a.alert) || a.time - b.time);
  return {
    lines: all
      .slice(0, MAX_EVIDENCE)
      .map(({ text, url }) => ({ text, ...(url === undefined ? {} : { url }) })),
    more: Math.max(0, all.length - MAX_EVIDENCE),
  };
}

/** Why this sure, strongest first, each a few words: the card shows the first beside the percentage. */
export function confidenceReasonsOf(
  findings: readonly Finding[],
  signIns: readonly SecurityEvent[],
): string[] {
  const reasons: string[] = [];
  const rules = new Set(findings.map((f) => f.rule));
  if (rules.has("subscription-hijack-chain")) reasons.push("the steps chain");
  const alerts = findings.flatMap((f) => f.evidence.filter((e) => e.source === "security-alert"));
  const worst = ["high", "medium", "low", "informational"].find((s) =>
    alerts.some((a) => a.alertSeverity === s),
  );
  if (alerts.length > 0) reasons.push(`Microsoft alert${worst === undefined ? "" : ` (${worst})`}`);
  const risky = signIns.some(
    (e) => e.kind === "sign-in" && (e.riskDuringSignIn === "high" || e.riskAggregated === "high"),
  );
  if (risky) reasons.push("high-risk sign-in first");
  if (findings.some((f) => f.evidence.some((e) => e.source === "entra-risk")))
    reasons.push("Identity Protection detection");
  if (
    rules.has("guest-invited") &&
    (rules.has("guest-privileged-role") || rules.has("guest-azure-privileged-role"))
  )
    reasons.push("guest made admin soon after its invitation");
  if (rules.has("guest-vm-burst")) reasons.push("new guest created VMs within a day");
  if (rules.has("external-vm-created")) reasons.push("external account created VMs");
  if (rules.has("subscription-directory-changed")) reasons.push("a subscription left the directory");
  if (reasons.length === 0) reasons.push(`${findings.length} finding(s) in the tenant's logs`);
  return reasons;
}

/** The sign-in behind the incident: its address, risk level and detections, read from the stored event. */
export function signInOf(
  findings: readonly Finding[],
  events: readonly SecurityEvent[],
): IncidentView["signIn"] | undefined {
  const signIn = events.find((e) => e.kind === "sign-in");
  const detections = [
    ...new Set(
      events.flatMap((e) =>
        e.kind === "risk-detection" ? [e.riskEventType] : e.kind === "sign-in" ? e.riskEventTypes : [],
      ),
    ),
  ];
  const ip =
    signIn?.actor?.ipAddress ?? findings.find((f) => f.actor?.ipAddress !== undefined)?.actor?.ipAddress;
  if (signIn === undefined && detections.length === 0) return undefined;
  const level =
    signIn?.kind === "sign-in"
      ? [signIn.riskDuringSignIn, signIn.riskAggregated].find((l) => l !== "none" && l !== undefined)
      : undefined;
  return {
    ...(ip === undefined ? {} : { ipAddress: ip }),
    // Where Entra placed the address, as the sign-in log says it (no network owner: v1.0 does not log one).
    ...(signIn?.kind === "sign-in" && signIn.country !== undefined ? { country: signIn.country } : {}),
    ...(signIn?.kind === "sign-in" && signIn.city !== undefined ? { city: signIn.city } : {}),
    ...(level === undefined ? {} : { riskLevel: level }),
    detections,
  };
}

const VM_RULES = new Set<string>(["external-vm-created", "risky-ip-vm-created"]);

/**
 * The steps in time order. Repeats of a rule by one actor fold into one step with a count and a time
 * span ("6 virtual machine writes by X, 07:45:01–07:48:10"), so the first steps (an invitation, a grant)
 * are never pushed off the card by ten near-identical VM lines.
 */
export function timelineOf(findings: readonly Finding[], names: Names): IncidentView["timeline"] {
  const steps: IncidentView["timeline"] = [];
  const folded = new Map<string, IncidentView["timeline"][number]>();
  for (const f of [...findings].sort((a, b) => a.time - b.time)) {
    const key = VM_RULES.has(f.rule)
      ? `${f.rule}\u0000${who(f.actor)}\u0000${f.subscriptionIds[0] ?? ""}`
      : undefined;
    const step = key === undefined ? undefined : folded.get(key);
    if (step !== undefined) {
      step.count = (step.count ?? 1) + 1;
      step.until = f.time;
      step.text = `${step.count} virtual machine writes by ${who(f.actor)} in ${subscriptionName(f.subscriptionIds[0], names)}`;
      continue;
    }
    const fresh = { time: f.time, count: 1, text: readableAddresses(f.summary) };
    steps.push(fresh);
    if (key !== undefined) folded.set(key, fresh);
  }
  return steps;
}

/** What Warden leaves undone, with the way to do it: containment stops the attacker, it repairs nothing. */
export function notDoneOf(findings: readonly Finding[], names: Names, tenantId: string): Linked[] {
  const lines: Linked[] = [];
  const rules = new Set(findings.map((f) => f.rule));
  const vmSubs = new Set(
    findings
      .filter((f) => VM_RULES.has(f.rule) || f.rule === "guest-vm-burst")
      .flatMap((f) => f.subscriptionIds),
  );
  for (const sub of vmSubs) {
    lines.push({
      text: `VMs in ${subscriptionName(sub, names)} keep running: stop or delete them`,
      url: "https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Compute%2FVirtualMachines",
    });
  }
  for (const f of findings.filter((x) => x.rule === "subscription-directory-changed")) {
    const sub = f.subscriptionIds[0];
    if (lines.some((l) => l.text.includes(subscriptionName(sub, names)) && l.text.includes("support")))
      continue;
    if (f.destinationTenantId !== undefined && f.destinationTenantId === tenantId.toLowerCase()) continue;
    lines.push({
      text: `Recovering ${subscriptionName(sub, names)} needs a support case`,
      url: "https://portal.azure.com/#view/Microsoft_Azure_Support/HelpAndSupportBlade/~/overview",
    });
  }
  if (rules.has("subscription-created")) {
    for (const f of findings.filter((x) => x.rule === "subscription-created"))
      lines.push({
        text: `${subscriptionName(f.subscriptionIds[0], names)} is not cancelled: review it`,
        url: "https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Resources%2Fsubscriptions",
      });
  }
  if (rules.has("risky-signin-resource-group")) {
    lines.push({ text: "New resource groups are not removed: review them" });
  }
  return lines;
}

import { withAlerts } from "./alerts.js";
import type { DetectConfig } from "./detect-config.js";
import { clampConfidence, type Finding, type RuleId } from "./finding.js";
import type { HistoryView } from "./history-view.js";
import { principalOf } from "./identity.js";
import { inRanges } from "./ip-ranges.js";

const DAY = 86_400_000;

/** Rules about what an admin did to a subscription or the tenant: an external admin doing it is worse. */
const ADMIN_ACTIONS = new Set<RuleId>([
  "subscription-created",
  "subscription-directory-changed",
  "subscription-policy-changed",
  "elevate-access",
]);
/** Rules about a guest: a guest invited days ago is worse than one who has been around for years. */
const ABOUT_A_GUEST = new Set<RuleId>([
  "guest-privileged-role",
  "guest-azure-privileged-role",
  "external-vm-created",
]);

/**
 * A finding with its final confidence: the detector's start, raised by what history knows of the people in it.
 * Computed once all known evidence is in (end of a file, or at triage), so the order the logs were read
 * in does not change it.
 */
export function score(finding: Finding, history: HistoryView, config: DetectConfig): Finding {
  if (finding.rule === "subscription-hijack-chain") return finding;
  let confidence = finding.confidence;
  let evidence = finding.evidence;
  const actor = finding.actor === undefined ? undefined : principalOf(finding.actor);
  const risk = finding.rule === "risky-signin-resource-group" ? [] : history.riskNear(actor, finding.time);
  if (risk.length > 0) {
    confidence += 0.15;
    // The analyst sees why the confidence is high: the risk signals join the evidence, in time order.
    const known = new Set(evidence.map((e) => e.id));
    const added = risk.map((r) => r.evidence).filter((e) => !known.has(e.id));
    evidence = [...evidence, ...added].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
  }
  if (ADMIN_ACTIONS.has(finding.rule) && history.isExternal(actor)) confidence += 0.1;
  confidence += whereFrom(finding, config);
  if (ABOUT_A_GUEST.has(finding.rule)) {
    const created = history.principal(principalOf(finding.subject))?.createdAt;
    if (
      created !== undefined &&
      finding.time >= created &&
      finding.time - created <= config.newPrincipalDays * DAY
    ) {
      confidence += finding.rule === "external-vm-created" ? 0.2 : 0.05;
    }
  }
  const scored = { ...finding, confidence: clampConfidence(confidence), evidence };
  // Microsoft's alerts last: what they add is kept apart, so that alerts read later replace it.
  return withAlerts(scored, history.alertsAbout(scored), (id) => history.knowsAlert(id));
}

/**
 * Where the actor acted from (issue 19, point 12): a configured risky range raises the confidence of any
 * rule but the one that is about it; outside every trusted range (when the tenant has some) a little.
 * Inside a trusted range nothing is taken off: marking a range trusted is in an attacker's reach.
 */
function whereFrom(finding: Finding, config: DetectConfig): number {
  const ip = finding.actor?.ipAddress;
  if (ip === undefined) return 0;
  if (finding.rule !== "risky-ip-vm-created" && inRanges(ip, config.riskyIpRanges, "riskyIpRanges"))
    return 0.1;
  if (config.trustedIpRanges.length > 0 && !inRanges(ip, config.trustedIpRanges, "trustedIpRanges"))
    return 0.05;
  return 0;
}

import type { Finding } from "../detect/finding.js";
import { toIso } from "../detect/normalise/time.js";
import type { DetectionReport } from "../detect/run-detection.js";

/** The public JSON-lines form of a finding (a contract: field names and order do not change lightly). */
export function findingJson(finding: Finding & { incident: string }): Record<string, unknown> {
  const subject: Record<string, unknown> = { type: finding.subject.type };
  if (finding.subject.id !== undefined) subject["id"] = finding.subject.id;
  if (finding.subject.userPrincipalName !== undefined)
    subject["userPrincipalName"] = finding.subject.userPrincipalName;
  const json: Record<string, unknown> = {
    id: finding.id,
    rule: finding.rule,
    severity: finding.severity,
    confidence: finding.confidence,
    // What Warden's own evidence says, when Microsoft's alerts raised it (what automatic containment judges).
    ...(finding.confidenceBeforeAlerts === undefined
      ? {}
      : { confidenceBeforeAlerts: finding.confidenceBeforeAlerts }),
    tenantId: finding.tenantId,
    time: toIso(finding.time),
    subject,
  };
  if (finding.actor !== undefined) {
    const actor: Record<string, unknown> = {};
    if (finding.actor.id !== undefined) actor["id"] = finding.actor.id;
    if (finding.actor.userPrincipalName !== undefined)
      actor["userPrincipalName"] = finding.actor.userPrincipalName;
    if (finding.actor.ipAddress !== undefined) actor["ipAddress"] = finding.actor.ipAddress;
    json["actor"] = actor;
  }
  json["incident"] = finding.incident;
  json["evidence"] = finding.evidence.map((e) => ({
    source: e.source,
    id: e.id,
    time: toIso(e.time),
    operation: e.operation,
    ...(e.alertSeverity === undefined ? {} : { alertSeverity: e.alertSeverity }),
  }));
  json["summary"] = finding.summary;
  return json;
}

export function formatJsonLines(report: DetectionReport): string {
  const lines = report.findings.map((f) => JSON.stringify(findingJson(f)));
  const { events, findings, incidents, skipped, ignored } = report.counts;
  lines.push(JSON.stringify({ summary: { events, findings, incidents, skipped, ignored } }));
  return `${lines.join("\n")}\n`;
}

/** For people: one row per finding grouped by incident, worst first, then the totals. */
export function formatTable(report: DetectionReport): string {
  const out: string[] = [];
  const byIncident = new Map<string, (Finding & { incident: string })[]>();
  for (const f of report.findings) byIncident.set(f.incident, [...(byIncident.get(f.incident) ?? []), f]);
  const incidents = [...report.incidents].sort(
    (a, b) => rank(b.severity) - rank(a.severity) || a.firstTime - b.firstTime,
  );
  for (const incident of incidents) {
    const members = byIncident.get(incident.id) ?? [];
    out.push(
      `${incident.id}  ${incident.severity.toUpperCase()}  confidence ${incident.confidence.toFixed(2)}  ${incident.rules.join(", ")}`,
    );
    for (const f of members) {
      out.push(
        `  ${toIso(f.time).slice(0, 19).replace("T", " ")}  ${pad(f.severity, 8)} ${f.confidence.toFixed(2)}  ${pad(f.rule, 30)} ${f.summary}`,
      );
    }
    out.push("");
  }
  const { events, findings, incidents: count, skipped, ignored } = report.counts;
  out.push(
    `${events} events, ${findings} findings in ${count} incidents, ${skipped} records skipped (unreadable), ${ignored} ignored (not read by any rule)`,
  );
  return `${out.join("\n")}\n`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function rank(severity: string): number {
  return ["low", "medium", "high", "critical"].indexOf(severity);
}

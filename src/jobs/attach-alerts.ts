import { ALERT_WINDOW_MS, withAlerts } from "../detect/alerts.js";
import type { SecurityAlertEvent } from "../detect/event.js";
import type { Finding } from "../detect/finding.js";
import type { HistoryView } from "../detect/history-view.js";
import type { Queryable } from "../store/database.js";
import { findingsByIds, findingsSince, replaceFindings } from "../store/findings-repo.js";
import { appendAudit, getIncidents, setIncidentConfidence } from "../store/incidents-repo.js";
import { contentOf } from "./incident-content.js";

const DAY = 86_400_000;

/**
 * Brings the stored findings that the alerts read are about up to date with every version of every alert
 * history knows now (alerts usually come minutes to hours after the activity, so after its findings were
 * stored), and the incidents holding them: their confidence is their findings' highest. Only findings an
 * alert read now names, or carries already, are looked at: an alert history has forgotten is never taken
 * off by an unrelated one. The incident's version does not move: an alert changes no action, so an
 * approval or an undo asked on the card before it stays good (the card is refreshed all the same).
 * Returns the incidents changed.
 */
export async function attachAlerts(
  tx: Queryable,
  tenantId: string,
  history: HistoryView,
  alerts: readonly SecurityAlertEvent[],
): Promise<string[]> {
  const read = new Set(alerts.map((a) => a.alertId));
  const earliest = Math.min(...alerts.map((a) => a.firstActivity));
  const stored = await findingsSince(tx, tenantId, new Date(earliest - ALERT_WINDOW_MS - DAY));
  const changed: { finding: Finding; incidentId: string | null; alerts: string[] }[] = [];
  for (const { finding, incidentId } of stored) {
    const about = history.alertsAbout(finding);
    const carried = finding.evidence.filter((e) => e.source === "security-alert").map((e) => e.id);
    if (!about.some((a) => read.has(a.alertId)) && !carried.some((id) => read.has(id))) continue;
    const after = withAlerts(finding, about, (id) => history.knowsAlert(id));
    if (after === finding) continue;
    const now = after.evidence.filter((e) => e.source === "security-alert").map((e) => e.id);
    // The alerts that came or went on this finding: what the trail names.
    const moved = [
      ...now.filter((id) => !carried.includes(id)),
      ...carried.filter((id) => !now.includes(id)),
    ];
    changed.push({ finding: after, incidentId, alerts: moved });
  }
  if (changed.length === 0) return [];
  await replaceFindings(
    tx,
    changed.map((c) => c.finding),
  );
  const incidentIds = [
    ...new Set(changed.map((c) => c.incidentId).filter((id): id is string => id !== null)),
  ];
  const touched: string[] = [];
  for (const incident of await getIncidents(tx, incidentIds)) {
    if (incident.state === "merged") continue;
    const confidence = contentOf(await findingsByIds(tx, incident.findingIds), []).confidence;
    await setIncidentConfidence(tx, incident.id, confidence);
    const mine = changed.filter((c) => c.incidentId === incident.id);
    await appendAudit(tx, {
      incidentId: incident.id,
      action: "alerts-attached",
      detail: {
        findings: mine.map((c) => c.finding.id),
        alerts: [...new Set(mine.flatMap((c) => c.alerts))],
        confidence,
      },
    });
    touched.push(incident.id);
  }
  return touched;
}

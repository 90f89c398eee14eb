import { type Finding, SEVERITY_RANK, type Severity } from "../detect/finding.js";
import type { IncidentContent, IncidentRow } from "../store/incidents-repo.js";

/**
 * What an incident holds, from its findings and the incidents folded into it: every finding once, every
 * rule once, the worst severity, the highest confidence, and the span of time the findings cover.
 */
export function contentOf(members: Finding[], incidents: IncidentRow[]): IncidentContent {
  const findingIds = [...new Set([...incidents.flatMap((i) => i.findingIds), ...members.map((m) => m.id)])];
  const rules = [...new Set([...incidents.flatMap((i) => i.rules), ...members.map((m) => m.rule)])];
  const severities: Severity[] = [...incidents.map((i) => i.severity), ...members.map((m) => m.severity)];
  return {
    findingIds,
    rules,
    severity: severities.reduce<Severity>(
      (worst, s) => (SEVERITY_RANK[s] > SEVERITY_RANK[worst] ? s : worst),
      "low",
    ),
    confidence: Math.max(...incidents.map((i) => i.confidence), ...members.map((m) => m.confidence)),
    firstTime: Math.min(...incidents.map((i) => i.firstTime), ...members.map((m) => m.time)),
    lastTime: Math.max(...incidents.map((i) => i.lastTime), ...members.map((m) => m.time)),
  };
}

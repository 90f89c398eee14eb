import { type Correlation, correlate, type Incident } from "./correlate.js";
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "./detect-config.js";
import { DetectionEngine } from "./engine.js";
import type { Finding } from "./finding.js";
import type { InputItem } from "./input/input-item.js";
import { normaliseRecord } from "./normalise/recognise.js";
import { RecentIds } from "./recent-ids.js";

/**
 * Begin/end halves of one ARM operation arrive minutes apart: 50,000 ids is over an hour of a
 * million-event day, and ~12 MiB at most.
 */
const RECENT_IDS = 50_000;
/** Problems beyond this many are counted, not listed. */
const PROBLEMS_LISTED = 1_000;

export interface Problem {
  place: string;
  reason: string;
}

export interface DetectionReport {
  /** Scored findings (chains included), in time order, each with its incident id. */
  findings: (Finding & { incident: string })[];
  incidents: Incident[];
  counts: {
    records: number;
    events: number;
    findings: number;
    incidents: number;
    skipped: number;
    ignored: number;
  };
  /** The first problems met, with their places; `counts.skipped` has them all. */
  problems: Problem[];
  /** Why records were ignored (out of scope, not unreadable), with how many each. */
  ignoredBecause: { reason: string; count: number }[];
}

export interface DetectionProgress {
  records: number;
  events: number;
  findings: number;
  skipped: number;
  ignored: number;
}

export interface RunOptions {
  /** Only findings at or after this time are reported; earlier events still inform history. */
  since?: number;
  onProgress?: (progress: DetectionProgress) => void;
  progressEvery?: number;
}

/** Reads, normalises and detects a whole input; what `warden detect` and the benchmark run. */
export async function runDetection(
  items: AsyncIterable<InputItem>,
  config: DetectConfig,
  options: RunOptions = {},
): Promise<DetectionReport> {
  const engine = new DetectionEngine(config);
  const findings = new Map<string, Finding>();
  const recent = new RecentIds(RECENT_IDS);
  const tenants = new Set<string>();
  const problems: Problem[] = [];
  const progress: DetectionProgress = { records: 0, events: 0, findings: 0, skipped: 0, ignored: 0 };
  const ignoredBecause = new Map<string, number>();
  const context = { tenantId: config.defaultTenantId };
  const every = options.progressEvery ?? 100_000;

  for await (const item of items) {
    progress.records += 1;
    if (item.kind === "problem") {
      progress.skipped += 1;
      if (problems.length < PROBLEMS_LISTED) problems.push({ place: item.place, reason: item.reason });
    } else {
      const result = normaliseRecord(item.record, context);
      if (!result.ok && result.ignored === true) {
        progress.ignored += 1;
        // Reasons name a category or a table: few distinct ones, whatever the input's size.
        if (ignoredBecause.has(result.reason) || ignoredBecause.size < PROBLEMS_LISTED)
          ignoredBecause.set(result.reason, (ignoredBecause.get(result.reason) ?? 0) + 1);
      } else if (!result.ok) {
        progress.skipped += 1;
        if (problems.length < PROBLEMS_LISTED) problems.push({ place: item.place, reason: result.reason });
      } else {
        const event = result.event;
        tenants.add(event.tenantId);
        if (recent.add(event.id)) progress.events += 1;
        for (const finding of engine.ingest(event)) {
          if (!findings.has(finding.id)) findings.set(finding.id, finding);
        }
        progress.findings = findings.size;
      }
    }
    if (options.onProgress !== undefined && progress.records % every === 0)
      options.onProgress({ ...progress });
  }

  options.onProgress?.({ ...progress });
  const tenantOf = singleTenantFallback(tenants, config.defaultTenantId);
  const scored = [...findings.values()].map((f) => engine.scored(tenantOf(f)));
  const correlation: Correlation = correlate(scored, config);
  const all = [...scored, ...correlation.chains]
    .filter((f) => options.since === undefined || f.time >= options.since)
    .sort((a, b) => a.time - b.time || a.id.localeCompare(b.id))
    .map((f) => ({ ...f, incident: correlation.incidentOf.get(f.id) ?? "" }));
  const reported = new Set(all.map((f) => f.incident));
  const incidents = correlation.incidents.filter((i) => reported.has(i.id));
  return {
    findings: all,
    incidents,
    counts: {
      records: progress.records,
      events: progress.events,
      findings: all.length,
      incidents: incidents.length,
      skipped: progress.skipped,
      ignored: progress.ignored,
    },
    problems,
    ignoredBecause: [...ignoredBecause].map(([reason, count]) => ({ reason, count })),
  };
}

/**
 * Graph API items name no tenant. With no tenant configured, they are filed under the one tenant the
 * rest of the input names (ARM records and exports always do), so a Graph export read beside an activity
 * log correlates with it. With several tenants in the input, `--tenant` must say which.
 */
function singleTenantFallback(tenants: Set<string>, fallback: string): (finding: Finding) => Finding {
  const named = [...tenants].filter((t) => t !== fallback);
  const only = named.length === 1 ? named[0] : undefined;
  if (fallback !== DEFAULT_DETECT_CONFIG.defaultTenantId || only === undefined) return (finding) => finding;
  return (finding) => (finding.tenantId === fallback ? { ...finding, tenantId: only } : finding);
}

import type { GraphLog } from "../../cloud/graph-logs.js";
import { loadSeedQueries } from "../../hunting/seed-queries.js";

/**
 * What a poller reads: a Graph log, one subscription's Activity Log, or the tenant-level Activity Log.
 * Written as a string in job data and in the watermarks table (`source`, `scope`).
 */
export type PollSource =
  | { kind: "graph"; log: GraphLog }
  | { kind: "activity"; subscriptionId: string }
  | { kind: "tenant-activity" }
  | { kind: "hunting"; query: string };

export function sourceKey(source: PollSource): { source: string; scope: string } {
  switch (source.kind) {
    case "graph":
      return { source: source.log, scope: "" };
    case "activity":
      return { source: "activity", scope: source.subscriptionId };
    case "tenant-activity":
      return { source: "activity", scope: "tenant" };
    case "hunting":
      return { source: "hunting", scope: source.query };
  }
}

export function sourceFromJob(source: string, scope: string): PollSource | undefined {
  if (
    source === "directoryAudits" ||
    source === "signIns" ||
    source === "riskDetections" ||
    source === "alerts"
  )
    return { kind: "graph", log: source };
  if (source === "activity" && scope === "tenant") return { kind: "tenant-activity" };
  if (source === "hunting" && /^[a-z0-9-]+$/.test(scope)) return { kind: "hunting", query: scope };
  if (source === "activity" && /^[0-9a-f-]{36}$/.test(scope))
    return { kind: "activity", subscriptionId: scope };
  return undefined;
}

/**
 * The tenant-wide sources polled on a schedule (subscriptions' activity logs are added as discovered).
 * Entra audit events come from Graph's audit log, or from Defender hunting's seed queries instead.
 */
export function pollSources(
  auditSource: "graph" | "hunting",
  alerts: "graph" | "off" = "graph",
): PollSource[] {
  // With hunting, Entra changes, sign-ins and Azure activity come from Defender's tables (the seed
  // queries), leaving the reports API's quota alone; each subscription's Activity Log is still read
  // (discovery and departures rest on it), and the same operation from both is one event.
  return [
    ...(auditSource === "graph"
      ? [{ kind: "graph", log: "directoryAudits" } as const, { kind: "graph", log: "signIns" } as const]
      : loadSeedQueries().map((q) => ({ kind: "hunting", query: q.name }) as const)),
    { kind: "graph", log: "riskDetections" },
    // Microsoft's own alerts: evidence attached to Warden's findings (detect/alerts.ts), never one alone.
    ...(alerts === "graph" ? [{ kind: "graph", log: "alerts" } as const] : []),
    { kind: "tenant-activity" },
  ];
}

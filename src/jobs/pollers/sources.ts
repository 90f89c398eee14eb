import type { GraphLog } from "../../cloud/graph-logs.js";

/**
 * What a poller reads: a Graph log, one subscription's Activity Log, or the tenant-level Activity Log.
 * Written as a string in job data and in the watermarks table (`source`, `scope`).
 */
export type PollSource =
  | { kind: "graph"; log: GraphLog }
  | { kind: "activity"; subscriptionId: string }
  | { kind: "tenant-activity" };

export function sourceKey(source: PollSource): { source: string; scope: string } {
  switch (source.kind) {
    case "graph":
      return { source: source.log, scope: "" };
    case "activity":
      return { source: "activity", scope: source.subscriptionId };
    case "tenant-activity":
      return { source: "activity", scope: "tenant" };
  }
}

export function sourceFromJob(source: string, scope: string): PollSource | undefined {
  if (source === "directoryAudits" || source === "signIns" || source === "riskDetections")
    return { kind: "graph", log: source };
  if (source === "activity" && scope === "tenant") return { kind: "tenant-activity" };
  if (source === "activity" && /^[0-9a-f-]{36}$/.test(scope))
    return { kind: "activity", subscriptionId: scope };
  return undefined;
}

export const GRAPH_SOURCES: readonly PollSource[] = [
  { kind: "graph", log: "directoryAudits" },
  { kind: "graph", log: "signIns" },
  { kind: "graph", log: "riskDetections" },
];

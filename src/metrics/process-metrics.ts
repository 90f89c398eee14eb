import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * What this process counted, in Prometheus form. Counters are per process, as Prometheus expects: each
 * web and worker process is scraped on its own and the queries sum them. State read from the store and
 * the queue (incidents per state, queue depths) is added per Warden by `wardenRegistry`.
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: "warden_" });

export const eventsIngested = new Counter({
  name: "warden_events_ingested_total",
  help: "New events stored by the pollers, per log source",
  labelNames: ["source"] as const,
  registers: [processRegistry],
});

export const findingsRaised = new Counter({
  name: "warden_findings_total",
  help: "New findings, per detection rule",
  labelNames: ["rule"] as const,
  registers: [processRegistry],
});

// From seconds to an hour: Microsoft's logs alone take minutes to arrive.
const DELAY_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1_200, 3_600];

export const eventToCard = new Histogram({
  name: "warden_event_to_card_seconds",
  help: "From the earliest event of an incident (its time in Microsoft's log) to its card first posted in Teams; includes the log's own delivery delay",
  buckets: DELAY_BUCKETS,
  registers: [processRegistry],
});

export const incidentToCard = new Histogram({
  name: "warden_incident_to_card_seconds",
  help: "From an incident's creation by detection to its card first posted in Teams: Warden's own delay",
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [processRegistry],
});

export const decisionToContained = new Histogram({
  name: "warden_approval_to_contained_seconds",
  help: "From the decision (an approval or the automatic policy) to the incident contained",
  labelNames: ["decided_by"] as const,
  buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
  registers: [processRegistry],
});

export const cloudRequests = new Counter({
  name: "warden_cloud_requests_total",
  help: "HTTP attempts to Microsoft Graph and Azure Resource Manager (retries included), per status",
  labelNames: ["api", "status"] as const,
  registers: [processRegistry],
});

export const cloudThrottled = new Counter({
  name: "warden_cloud_throttled_total",
  help: "Answers 429 (throttled) from Microsoft Graph and Azure Resource Manager",
  labelNames: ["api"] as const,
  registers: [processRegistry],
});

export const cardsSent = new Counter({
  name: "warden_cards_total",
  help: "Incident cards posted (a new thread) or updated in place in Teams",
  labelNames: ["kind"] as const,
  registers: [processRegistry],
});

/** Counts one HTTP attempt's answer; status 0 is a network failure or timeout (no answer). */
export function countCloudAnswer(api: "graph" | "arm", status: number): void {
  cloudRequests.inc({ api, status: String(status) });
  if (status === 429) cloudThrottled.inc({ api });
}

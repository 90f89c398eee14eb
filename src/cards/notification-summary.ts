import type { IncidentState } from "../store/incidents-repo.js";
import type { IncidentView } from "./incident-view.js";

/** What each state asks of the reader, in the words a phone's notification has room for. */
const ASKS: Readonly<Record<IncidentState, string>> = {
  open: "new incident",
  pending: "approve containment",
  approved: "approved, containing",
  executing: "containing",
  contained: "contained",
  "auto-contained": "contained automatically",
  partial: "partly contained, look",
  failed: "containment failed, look",
  denied: "denied, nothing changed",
  expired: "expired, nothing changed",
  reverted: "undone",
  merged: "merged into another incident",
};

/**
 * The message's `summary`: what Teams shows in a push notification and the activity feed, where a card
 * alone reads "Sent a card". Severity first, then what it asks, then what happened ("CRITICAL · approve
 * containment · A subscription was moved to another directory"). Built from Warden's own words only:
 * the title is the rule's, never a log's text.
 */
export function notificationSummary(view: Pick<IncidentView, "severity" | "state" | "title">): string {
  return `${view.severity.toUpperCase()} · ${ASKS[view.state]} · ${view.title}`;
}

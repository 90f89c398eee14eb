import type { Severity } from "../detect/finding.js";
import type { ActionState } from "../store/actions-repo.js";
import type { IncidentState } from "../store/incidents-repo.js";

/**
 * What an incident card shows, gathered from the store by the caller: cards are pure functions of this.
 * Every field is plain data, so a card can be rendered in a test, in Teams, and in the local console.
 */
export interface IncidentView {
  id: string;
  version: number;
  state: IncidentState;
  severity: Severity;
  confidence: number;
  /** In plain words: "A guest was made Global Administrator and moved a subscription out". */
  title: string;
  subject?: {
    name: string;
    userPrincipalName?: string;
    kind: "guest" | "member" | "external member" | "tenant" | "subscription" | "unknown";
    homeTenant?: string;
    enabled?: boolean;
  };
  actor?: { name: string; userPrincipalName?: string; ipAddress?: string };
  /** The attack chain, oldest first. */
  timeline: { time: number; text: string }[];
  /** Evidence with links to the Entra and Azure portals. */
  evidence: { text: string; url?: string }[];
  actions: {
    id: string;
    action: string;
    target: string;
    changes: string[];
    state: ActionState;
    outcome?: string;
    /** What a person must do, when Microsoft leaves the change to one (awaiting-admin states). */
    administratorSteps?: string[];
  }[];
  /** The latest decision: who, when, and why (a denial's reason, an automatic decision's policy). */
  decision?: { by: string; at: number; reason?: string };
  /** A critical incident's first approver, while it waits for a second, and what they approved. */
  firstApprovalBy?: string;
  firstApprovalOf?: "approve" | "deny" | "retry" | "undo";
  /** Why the incident waits for approval instead of being contained automatically. */
  waitingBecause?: string;
}

import type { Severity } from "../detect/finding.js";
import type { ActionState } from "../store/actions-repo.js";
import type { IncidentState } from "../store/incidents-repo.js";

/** A link on the card, always built by Warden from fixed addresses and checked ids (never a log's URL). */
export interface Linked {
  text: string;
  url?: string;
}

/**
 * What an incident card shows, gathered from the store by the caller: cards are pure functions of this.
 * Every field is plain data, so a card can be rendered in a test, in Teams, and in the local console.
 * Names come as the tenant wrote them: the card escapes them, since an attacker chooses most of them.
 */
export interface IncidentView {
  id: string;
  version: number;
  state: IncidentState;
  severity: Severity;
  confidence: number;
  /** In plain words: "A guest was made Global Administrator and moved a subscription out". */
  title: string;
  /** Who did what to whom, in one sentence, addresses readable (no `#EXT#`). */
  story: string;
  /** Where: the watched tenant, and each subscription with the directory it moved to, if it did. */
  tenant: { id: string; name?: string };
  subscriptions: { id: string; name?: string; movedTo?: string }[];
  /** Why Warden is this sure: Microsoft's alerts, risk detections, how the steps chain. */
  confidenceReasons: string[];
  /** The risky sign-in behind the incident, when one is: as facts, not prose. */
  signIn?: { ipAddress?: string; country?: string; city?: string; riskLevel?: string; detections: string[] };
  /** When a pending incident expires without a decision (nothing is changed then). */
  expiresAt?: number;
  subject?: {
    name: string;
    /** The readable address: a guest's home address rather than its `#EXT#` UPN. */
    address?: string;
    /** The UPN as the tenant holds it, for searching the portal. */
    userPrincipalName?: string;
    id?: string;
    kind: "guest" | "member" | "external member" | "tenant" | "subscription" | "unknown";
    homeTenant?: string;
    enabled?: boolean;
  };
  actor?: { name: string; userPrincipalName?: string; ipAddress?: string };
  /** The attack chain, oldest first; repeats folded into one step with their count and time span. */
  timeline: { time: number; until?: number; count?: number; text: string }[];
  /** Each record behind the findings, linked where Microsoft has a page for it; `more` counts the rest. */
  evidence: Linked[];
  evidenceMore: number;
  /** What containment leaves undone (running VMs, a moved subscription) and what to do about it. */
  notDone: Linked[];
  actions: {
    id: string;
    action: string;
    target: string;
    changes: string[];
    state: ActionState;
    outcome?: string;
    /** When it last ran (done, failed, undone). */
    at?: number;
    /** A failure a retry may mend (refused for a permission since granted, a timeout); not a 404. */
    retryable?: boolean;
    /** What a person must do, when Microsoft leaves the change to one (awaiting-admin states). */
    administratorSteps?: string[];
  }[];
  /** The latest decision: who, when, and why (a denial's reason, an automatic decision's policy). */
  decision?: { by: string; at: number; reason?: string };
  /** Every decision, oldest first: a retry or an undo does not hide who approved. */
  decisions: { verb: string; by: string; at: number; reason?: string }[];
  /** Who took the incident on, and when (acknowledge). */
  owner?: { name: string; at: number };
  /** A critical incident's first approver, while it waits for a second, and what they approved. */
  firstApprovalBy?: string;
  firstApprovalOf?: "approve" | "deny" | "retry" | "undo";
  /** Why the incident waits for approval instead of being contained automatically. */
  waitingBecause?: string;
}

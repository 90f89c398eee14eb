import { createHash } from "node:crypto";
import type { AlertSeverity, EventSource, PrincipalType, SecurityEvent } from "./event.js";

/** The rule ids are a public contract: SIEM rules, suppressions and dashboards key on them. */
export const RULES = [
  "guest-invited",
  "guest-privileged-role",
  "guest-azure-privileged-role",
  "subscription-created",
  "subscription-directory-changed",
  "subscription-policy-changed",
  "elevate-access",
  "external-vm-created",
  "guest-vm-burst",
  "risky-ip-vm-created",
  "risky-signin-resource-group",
  "containment-tampered",
  "subscription-hijack-chain",
] as const;

export type RuleId = (typeof RULES)[number];
export type Severity = "low" | "medium" | "high" | "critical";

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export interface FindingSubject {
  type: PrincipalType | "subscription" | "tenant";
  id?: string;
  userPrincipalName?: string;
  displayName?: string;
  /** External (guest or #EXT# member), when known. */
  external?: boolean;
}

export interface FindingActor {
  id?: string;
  userPrincipalName?: string;
  ipAddress?: string;
  displayName?: string;
  type?: PrincipalType;
}

export interface EvidenceRef {
  source: EventSource;
  /** The event's id; for a Microsoft alert, the alert's own id (what its link is built from). */
  id: string;
  time: number;
  operation: string;
  /** A Microsoft alert's severity: what it adds to the finding's confidence (detect/alerts.ts). */
  alertSeverity?: AlertSeverity;
}

/**
 * A privilege the finding saw granted: what containment may take back without touching anything else the
 * principal holds (issue 17, finding 3: removing every role of a long-standing partner admin because one
 * new grant looked like a takeover). Azure: the role definition GUID at a scope; Entra: the role template.
 */
export type Grant =
  | { kind: "azure-role"; roleDefinitionId: string; scope: string }
  | { kind: "directory-role"; roleTemplateId: string };

export interface Finding {
  id: string;
  rule: RuleId;
  severity: Severity;
  /** 0..1, from the evidence: see each detector for what raises it. */
  confidence: number;
  tenantId: string;
  time: number;
  subject: FindingSubject;
  actor?: FindingActor;
  /** Subscriptions the finding concerns; they tie findings into one incident. */
  subscriptionIds: string[];
  evidence: EvidenceRef[];
  summary: string;
  /** The confidence before Microsoft's alerts raised it (detect/alerts.ts), when any did. */
  confidenceBeforeAlerts?: number;
  /** The privileges granted in the finding's evidence, when it is about a grant. */
  grants?: Grant[];
  /** The directory a subscription was moved to, when its move's record names it (a GUID, checked). */
  destinationTenantId?: string;
}

export function evidenceOf(event: SecurityEvent): EvidenceRef {
  return { source: event.source, id: event.id, time: event.time, operation: event.operation };
}

/**
 * A finding's id depends only on its rule and what it is about (the key), never on when, how often or
 * through which pipe the input was read, so replays produce the same id and the store and the channel
 * see it once. Keys are built from globally unique ids (object ids, event ids), so the tenant is not
 * needed to tell findings apart, and a Graph export (which names no tenant) gives the same ids.
 */
export function findingId(rule: RuleId, key: string): string {
  return `f-${createHash("sha256").update(`${rule}\u0000${key}`).digest("hex").slice(0, 24)}`;
}

export function clampConfidence(value: number): number {
  return Math.round(Math.min(0.99, Math.max(0.05, value)) * 100) / 100;
}

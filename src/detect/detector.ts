import type { DetectConfig } from "./detect-config.js";
import type { EventKind, Principal, SecurityEvent } from "./event.js";
import {
  type EvidenceRef,
  evidenceOf,
  type Finding,
  type FindingActor,
  type FindingSubject,
  findingId,
  type Grant,
  type RuleId,
  type Severity,
} from "./finding.js";
import type { HistoryView } from "./history-view.js";
import { homeDomain, principalLabel } from "./identity.js";

/**
 * A detector is a pure function of one event and a read-only view of history. It names the event kinds
 * it wants so the engine calls it only for those.
 */
export interface Detector {
  rule: RuleId;
  severity: Severity;
  kinds: readonly EventKind[];
  detect(event: SecurityEvent, history: HistoryView, config: DetectConfig): Finding[];
}

export interface FindingParts {
  /** What makes this finding this one: with the rule and tenant it gives the stable id. */
  key: string;
  subject: FindingSubject;
  actor?: Principal;
  subscriptionIds?: (string | undefined)[];
  evidence?: EvidenceRef[];
  summary: string;
  /** The detector's confidence from the event alone; scoring adds what history says. */
  confidence: number;
  grants?: Grant[];
  destinationTenantId?: string;
}

export function finding(
  detector: Pick<Detector, "rule" | "severity">,
  event: SecurityEvent,
  parts: FindingParts,
): Finding {
  return {
    id: findingId(detector.rule, parts.key),
    rule: detector.rule,
    severity: detector.severity,
    confidence: parts.confidence,
    tenantId: event.tenantId,
    time: event.time,
    subject: parts.subject,
    ...(parts.actor === undefined ? {} : { actor: actorOf(parts.actor) }),
    subscriptionIds: [...new Set((parts.subscriptionIds ?? []).filter((s): s is string => s !== undefined))],
    evidence: parts.evidence ?? [evidenceOf(event)],
    summary: parts.summary,
    ...(parts.grants === undefined ? {} : { grants: parts.grants }),
    ...(parts.destinationTenantId === undefined ? {} : { destinationTenantId: parts.destinationTenantId }),
  };
}

export function subjectOf(principal: Principal, external?: boolean): FindingSubject {
  const subject: FindingSubject = { type: principal.type };
  if (principal.id !== undefined) subject.id = principal.id;
  if (principal.userPrincipalName !== undefined) subject.userPrincipalName = principal.userPrincipalName;
  else if (principal.mail !== undefined) subject.userPrincipalName = principal.mail;
  if (principal.displayName !== undefined) subject.displayName = principal.displayName;
  if (external !== undefined) subject.external = external;
  return subject;
}

export function actorOf(principal: Principal): FindingActor {
  const actor: FindingActor = { type: principal.type };
  if (principal.id !== undefined) actor.id = principal.id;
  if (principal.userPrincipalName !== undefined) actor.userPrincipalName = principal.userPrincipalName;
  if (principal.ipAddress !== undefined) actor.ipAddress = principal.ipAddress;
  if (principal.displayName !== undefined) actor.displayName = principal.displayName;
  return actor;
}

/** "alice@fabrikam.com (guest from fabrikam.com)": how summaries name an external principal. */
export function describeExternal(principal: Principal): string {
  const domain = homeDomain(principal);
  return domain === undefined
    ? `${principalLabel(principal)} (external)`
    : `${principalLabel(principal)} (guest from ${domain})`;
}

/** The key that identifies a principal in a finding id: the most stable one the event carries. */
export function stableKey(principal: Principal | undefined, fallback: string): string {
  if (principal?.id !== undefined) return `id:${principal.id}`;
  const upn = principal?.userPrincipalName ?? principal?.mail;
  return upn === undefined ? fallback : `name:${upn.toLowerCase()}`;
}

import type { AlertSignal } from "./alerts.js";
import type { Principal, SecurityEvent } from "./event.js";
import type { EvidenceRef, Finding } from "./finding.js";

/**
 * What detectors may know of the past, as they see it (`HistoryView`), and the facts kept per principal.
 * `History` (history.ts) keeps them; detectors and scoring read them through this face only.
 */

export interface RiskSignal {
  time: number;
  evidence: EvidenceRef;
  /** A successful sign-in that Identity Protection rated high: what risky-signin-resource-group needs. */
  highRiskSignIn: boolean;
}

export interface TimedEvidence {
  time: number;
  evidence: EvidenceRef;
  resourceId: string;
}

export interface PrincipalState {
  keys: Set<string>;
  /** The UPN as the logs spell it (keys are lower-case), for summaries and cards. */
  userPrincipalName?: string;
  external: boolean;
  /** When the principal was invited or added, if an event showed it. */
  createdAt?: number;
  creation?: EvidenceRef;
  createdBy?: Principal;
  riskSignals: RiskSignal[];
  resourceGroupWrites: TimedEvidence[];
  /** Events kept to be judged again when something about this principal is learned later. */
  retained: SecurityEvent[];
  lastSeen: number;
}

/** The read-only face detectors get. */
export interface HistoryView {
  principal(principal: Principal | undefined): Readonly<PrincipalState> | undefined;
  isExternal(principal: Principal | undefined): boolean;
  isPrivilegedCustomRole(roleDefinitionId: string | undefined): boolean;
  riskNear(principal: Principal | undefined, time: number, windowMs?: number): RiskSignal[];
  alertsAbout(finding: Finding): AlertSignal[];
  knowsAlert(alertId: string): boolean;
}

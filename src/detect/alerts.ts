import type { AlertSeverity, SecurityAlertEvent } from "./event.js";
import { clampConfidence, type EvidenceRef, type Finding } from "./finding.js";
import { principalKeys, principalOf } from "./identity.js";

/**
 * Microsoft's own alerts as evidence (issue 19, point 11). An alert is attached to the findings about the
 * same user (actor or subject) or the same subscription, within a day of what it saw, and raises their
 * confidence by its severity. No rule reads alerts: an alert alone makes no finding, so it can never
 * start containment; it can only make a finding Warden raised on its own evidence more certain.
 */

const HOUR = 3_600_000;
/** How far apart an alert's activity and a finding may be and still be about the same attack. */
export const ALERT_WINDOW_MS = 24 * HOUR;

/** What each severity adds. Informational alerts are shown, and add nothing. */
const BONUS: Readonly<Record<AlertSeverity, number>> = {
  high: 0.15,
  medium: 0.1,
  low: 0.05,
  informational: 0,
  unknown: 0,
};
/** Alerts together add at most this: several alerts about one attack are one attack. */
const MAX_BONUS = 0.2;
/** Classifications by which the SOC said an alert is no attack: such an alert is no evidence. */
const DISMISSED = new Set(["falsepositive", "informationalexpectedactivity"]);

/** The latest version of one alert, as kept to be matched with findings. */
export interface AlertSignal {
  alertId: string;
  firstActivity: number;
  lastActivity: number;
  updatedAt: number;
  dismissed: boolean;
  evidence: EvidenceRef;
  /** The principal keys (identity.ts) of the users it is about. */
  userKeys: string[];
  /** Its evidence names users (in any role): it is then never matched by subscription alone. */
  mentionsUsers: boolean;
  subscriptionIds: string[];
}

export function alertSignalOf(event: SecurityAlertEvent): AlertSignal {
  return {
    alertId: event.alertId,
    firstActivity: event.firstActivity,
    lastActivity: event.lastActivity,
    updatedAt: event.updatedAt,
    dismissed: DISMISSED.has((event.classification ?? "").toLowerCase()),
    evidence: {
      source: "security-alert",
      id: event.alertId,
      time: event.firstActivity,
      operation: `${event.title} (${event.serviceSource}, ${event.severity})`,
      alertSeverity: event.severity,
    },
    userKeys: [...new Set(event.users.flatMap((u) => principalKeys(u)))],
    mentionsUsers: event.mentionsUsers || event.users.length > 0,
    subscriptionIds: event.subscriptionIds,
  };
}

/**
 * The alerts of a tenant, each at its latest version, indexed by user key and subscription. Alerts are
 * few (tens a day where hundreds of thousands of events are), so they are kept for the history's horizon.
 */
export class AlertBook {
  private readonly byId = new Map<string, AlertSignal>();
  private readonly byKey = new Map<string, Set<string>>();

  /** Keeps the alert's newest version; returns true when this version is the one kept. */
  add(signal: AlertSignal): boolean {
    const known = this.byId.get(signal.alertId);
    if (known !== undefined && known.updatedAt >= signal.updatedAt) return false;
    // A newer version may name other users or subscriptions: the old one's keys no longer lead to it.
    if (known !== undefined) this.unindex(known);
    this.byId.set(signal.alertId, signal);
    for (const key of keysOf(signal)) {
      const ids = this.byKey.get(key) ?? new Set<string>();
      ids.add(signal.alertId);
      this.byKey.set(key, ids);
    }
    return true;
  }

  /** Whether any version of the alert is kept. */
  has(alertId: string): boolean {
    return this.byId.has(alertId);
  }

  /**
   * Alerts about any of `userKeys`, or, for alerts that name no user at all, any of `subscriptionIds`, whose
   * activity lies within the window of `time`. An alert about a user is about that user: it does not
   * raise findings about others who act in the same subscription.
   */
  near(userKeys: readonly string[], subscriptionIds: readonly string[], time: number): AlertSignal[] {
    const ids = new Set<string>();
    for (const key of userKeys) for (const id of this.byKey.get(key) ?? []) ids.add(id);
    for (const s of subscriptionIds)
      for (const id of this.byKey.get(`sub:${s.toLowerCase()}`) ?? [])
        if (this.byId.get(id)?.mentionsUsers === false) ids.add(id);
    const found: AlertSignal[] = [];
    for (const id of ids) {
      const signal = this.byId.get(id);
      if (signal === undefined) continue;
      const distance =
        time < signal.firstActivity
          ? signal.firstActivity - time
          : time > signal.lastActivity
            ? time - signal.lastActivity
            : 0;
      if (distance <= ALERT_WINDOW_MS) found.push(signal);
    }
    return found.sort((a, b) => a.firstActivity - b.firstActivity || a.alertId.localeCompare(b.alertId));
  }

  /** Forgets alerts whose activity ended before `cutoff`. */
  prune(cutoff: number): void {
    for (const [id, signal] of this.byId) {
      if (signal.lastActivity >= cutoff) continue;
      this.byId.delete(id);
      this.unindex(signal);
    }
  }

  private unindex(signal: AlertSignal): void {
    for (const key of keysOf(signal)) {
      const ids = this.byKey.get(key);
      ids?.delete(signal.alertId);
      if (ids?.size === 0) this.byKey.delete(key);
    }
  }
}

function keysOf(signal: AlertSignal): string[] {
  return [...signal.userKeys, ...signal.subscriptionIds.map((s) => `sub:${s}`)];
}

/** What a set of alerts adds to confidence. */
function bonusOf(evidence: readonly EvidenceRef[]): number {
  let sum = 0;
  for (const e of evidence) if (e.source === "security-alert") sum += BONUS[e.alertSeverity ?? "unknown"];
  return Math.min(sum, MAX_BONUS);
}

/**
 * The finding with `alerts` as its alert evidence, and its confidence the one it had before any alert plus
 * what its alerts add. An alert it carries that `known` says history no longer holds (forgotten past its
 * horizon, or after a restart once its event was deleted) is kept as it is: only an alert history knows
 * can be re-graded or dismissed. Idempotent: attaching the same alerts again changes nothing, so a finding
 * stored with its alerts can be brought up to date when more arrive (or one is dismissed) without
 * counting any twice. Returns the finding itself when nothing changed.
 */
export function withAlerts(
  finding: Finding,
  alerts: readonly AlertSignal[],
  known: (alertId: string) => boolean = () => true,
): Finding {
  if (finding.rule === "subscription-hijack-chain") return finding;
  const current = finding.evidence.filter((e) => e.source === "security-alert");
  const next = [
    ...alerts.filter((a) => !a.dismissed).map((a) => a.evidence),
    ...current.filter((e) => !known(e.id) && !alerts.some((a) => a.alertId === e.id)),
  ];
  const grade = (list: readonly EvidenceRef[]) =>
    list
      .map((e) => `${e.id}\u0000${e.alertSeverity ?? ""}`)
      .sort()
      .join("\u0001");
  if (grade(current) === grade(next)) return finding;
  const others = finding.evidence.filter((e) => e.source !== "security-alert");
  const before = finding.confidenceBeforeAlerts ?? finding.confidence;
  const { confidenceBeforeAlerts: _, ...rest } = finding;
  return {
    ...rest,
    confidence: clampConfidence(before + bonusOf(next)),
    ...(next.length === 0 ? {} : { confidenceBeforeAlerts: before }),
    evidence: [...others, ...next].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id)),
  };
}

/** The keys that name a finding's actor and subject: whom an alert must name to be about it. */
export function userKeysOf(finding: Finding): string[] {
  const keys: string[] = [];
  for (const p of [finding.actor, finding.subject]) {
    if (p === undefined || (p.type !== undefined && p.type !== "user" && p.type !== "unknown")) continue;
    keys.push(...principalKeys(principalOf(p)));
  }
  return keys;
}

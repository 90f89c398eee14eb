import { AlertBook, type AlertSignal, alertSignalOf, userKeysOf } from "./alerts.js";
import type { Principal, SecurityEvent } from "./event.js";
import { evidenceOf, type Finding } from "./finding.js";
import type { HistoryView, PrincipalState, RiskSignal } from "./history-view.js";
import { isExternalUpn, principalKeys } from "./identity.js";
import { isPrivilegedActionList, scopeLevel } from "./roles.js";
import { SEVERE_RISK_TYPES } from "./severe-risk-types.js";

const BROAD_SCOPES = new Set(["root", "management-group", "subscription"]);

/**
 * What detectors may know of the past: who is external and since when, who had a risky sign-in, who
 * wrote resource groups or created VMs. It holds facts per principal, each list capped, so memory grows
 * with the number of people in the tenant, not with the number of events read.
 */

const LIST_CAP = 64;
/**
 * Resource-group writes are common (every deployment makes some); only the latest few per principal are
 * kept, for a high-risk sign-in read after them. Memory then follows the tenant's size, not the day's.
 */
const RESOURCE_GROUP_WRITES_CAP = 16;
const HOUR = 3_600_000;

export class History implements HistoryView {
  private readonly byKey = new Map<string, PrincipalState>();
  /** The same states by bare object id: the hot lookup, without building a key string per event. */
  private readonly byId = new Map<string, PrincipalState>();
  private readonly privilegedCustomRoles = new Set<string>();
  private readonly alerts = new AlertBook();

  principal(principal: Principal | undefined): PrincipalState | undefined {
    for (const key of principalKeys(principal)) {
      const state = this.byKey.get(key);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  isExternal(principal: Principal | undefined): boolean {
    return principal?.external === true || this.principal(principal)?.external === true;
  }

  isPrivilegedCustomRole(roleDefinitionId: string | undefined): boolean {
    return roleDefinitionId !== undefined && this.privilegedCustomRoles.has(roleDefinitionId);
  }

  /**
   * Learns what one event tells. Returns the principals about whom something was learned that can turn
   * an earlier event into a finding (became known as external, or their creation time became known).
   */
  observe(event: SecurityEvent): PrincipalState[] {
    const changed: PrincipalState[] = [];
    const actor = event.actor === undefined ? undefined : this.upsert(event.actor, event.time, changed);
    switch (event.kind) {
      case "user-invited":
      case "user-added":
      case "invite-redeemed": {
        const subject = this.upsert(event.subject, event.time, changed);
        if (event.succeeded && event.subject.external === true && event.kind !== "invite-redeemed") {
          // Invitation and "Add user" share a timestamp: ties go to the smaller id, so read order never matters.
          const earlier =
            subject.createdAt === undefined ||
            event.time < subject.createdAt ||
            (event.time === subject.createdAt && event.id < (subject.creation?.id ?? ""));
          if (earlier) {
            subject.createdAt = event.time;
            subject.creation = evidenceOf(event);
            if (event.actor !== undefined) subject.createdBy = event.actor;
            if (!changed.includes(subject)) changed.push(subject);
          }
        }
        break;
      }
      case "directory-role-added":
        retainWhileUndecided(this.upsert(event.subject, event.time, changed), event);
        break;
      case "azure-role-assigned":
        // Only broad scopes can become a finding; resource-group grants are never judged again.
        if (BROAD_SCOPES.has(scopeLevel(event.scope))) {
          retainWhileUndecided(this.upsert(event.subject, event.time, changed), event);
        }
        break;
      case "vm-created":
        // External principals' VMs are kept too: guest-vm-burst counts them once the creation time is known.
        if (actor !== undefined && !knownInternal(actor)) retain(actor, event);
        break;
      case "resource-group-written":
        if (
          actor !== undefined &&
          event.succeeded &&
          actor.resourceGroupWrites.at(-1)?.evidence.id !== event.id
        ) {
          pushCapped(
            actor.resourceGroupWrites,
            {
              time: event.time,
              evidence: evidenceOf(event),
              resourceId: event.resourceId,
            },
            RESOURCE_GROUP_WRITES_CAP,
          );
        }
        break;
      case "sign-in": {
        const high = event.riskAggregated === "high" || event.riskDuringSignIn === "high";
        const severe = event.riskEventTypes.some((t) => SEVERE_RISK_TYPES.has(t.toLowerCase()));
        if (actor !== undefined && event.succeeded && (high || severe)) {
          pushCapped(actor.riskSignals, {
            time: event.time,
            evidence: evidenceOf(event),
            highRiskSignIn: high,
          });
        }
        break;
      }
      case "risk-detection": {
        const severe = SEVERE_RISK_TYPES.has(event.riskEventType.toLowerCase());
        if (actor !== undefined && (severe || event.riskLevel === "high" || event.riskLevel === "medium")) {
          pushCapped(actor.riskSignals, {
            time: event.time,
            evidence: evidenceOf(event),
            highRiskSignIn: false,
          });
        }
        break;
      }
      case "security-alert":
        this.alerts.add(alertSignalOf(event));
        break;
      case "azure-role-defined":
        if (
          event.roleDefinitionId !== undefined &&
          event.succeeded &&
          isPrivilegedActionList(event.actions)
        ) {
          this.privilegedCustomRoles.add(event.roleDefinitionId);
        }
        break;
      default:
        break;
    }
    return changed;
  }

  /** Risk signals of a principal within `windowMs` either side of `time`. */
  riskNear(principal: Principal | undefined, time: number, windowMs = 24 * HOUR): RiskSignal[] {
    const state = this.principal(principal);
    if (state === undefined) return [];
    return state.riskSignals.filter((s) => Math.abs(s.time - time) <= windowMs);
  }

  /**
   * Microsoft's alerts about the finding's actor or subject (by every key history knows them by) or one of
   * its subscriptions, within a day of it.
   */
  alertsAbout(finding: Finding): AlertSignal[] {
    const keys = new Set(userKeysOf(finding));
    for (const key of [...keys]) {
      const state = this.byKey.get(key);
      if (state !== undefined) for (const k of state.keys) keys.add(k);
    }
    return this.alerts.near([...keys], finding.subscriptionIds, finding.time);
  }

  /** Whether history holds any version of the alert (it forgets those past its horizon). */
  knowsAlert(alertId: string): boolean {
    return this.alerts.has(alertId);
  }

  /**
   * Forgets what is older than `horizonMs` before `now`, and principals left with nothing worth keeping.
   * External principals stay: whether someone is a guest matters for as long as they exist.
   */
  prune(now: number, horizonMs: number): void {
    const cutoff = now - horizonMs;
    this.alerts.prune(cutoff);
    const seen = new Set<PrincipalState>();
    for (const [key, state] of this.byKey) {
      if (!seen.has(state)) {
        seen.add(state);
        state.riskSignals = state.riskSignals.filter((s) => s.time >= cutoff);
        state.resourceGroupWrites = state.resourceGroupWrites.filter((s) => s.time >= cutoff);
        state.retained = state.retained.filter((e) => e.time >= cutoff);
      }
      const empty = state.riskSignals.length + state.resourceGroupWrites.length + state.retained.length === 0;
      if (!state.external && empty && state.lastSeen < cutoff) {
        this.byKey.delete(key);
        if (key.startsWith("id:")) this.byId.delete(key.slice(3));
      }
    }
  }

  private upsert(principal: Principal, time: number, changed: PrincipalState[]): PrincipalState {
    // Fast path: most events name someone already known, by the same id and UPN as before.
    if (principal.id !== undefined) {
      const known = this.byId.get(principal.id);
      if (
        known !== undefined &&
        (principal.userPrincipalName === undefined ||
          principal.userPrincipalName === known.userPrincipalName) &&
        principal.mail === undefined &&
        (principal.external !== true || known.external)
      ) {
        if (time > known.lastSeen) known.lastSeen = time;
        return known;
      }
    }
    const keys = principalKeys(principal);
    let state: PrincipalState | undefined;
    for (const key of keys) {
      const found = this.byKey.get(key);
      if (found === undefined) continue;
      if (state === undefined) state = found;
      else if (found !== state) state = this.merge(state, found);
    }
    if (state === undefined) {
      state = {
        keys: new Set(),
        external: false,
        riskSignals: [],
        resourceGroupWrites: [],
        retained: [],
        lastSeen: time,
      };
    }
    for (const key of keys) {
      if (!state.keys.has(key)) {
        state.keys.add(key);
        this.index(key, state);
      }
    }
    if (principal.userPrincipalName !== undefined && state.userPrincipalName === undefined) {
      state.userPrincipalName = principal.userPrincipalName;
    }
    if (principal.external === true && !state.external) {
      state.external = true;
      if (!changed.includes(state)) changed.push(state);
    }
    if (time > state.lastSeen) state.lastSeen = time;
    return state;
  }

  private index(key: string, state: PrincipalState): void {
    this.byKey.set(key, state);
    if (key.startsWith("id:")) this.byId.set(key.slice(3), state);
  }

  /** Two records turned out to be one person (an id and a UPN met in one event): keep one state. */
  private merge(into: PrincipalState, from: PrincipalState): PrincipalState {
    for (const key of from.keys) {
      into.keys.add(key);
      this.index(key, into);
    }
    into.external ||= from.external;
    into.userPrincipalName ??= from.userPrincipalName;
    if (from.createdAt !== undefined && (into.createdAt === undefined || from.createdAt < into.createdAt)) {
      into.createdAt = from.createdAt;
      into.creation = from.creation;
      into.createdBy = from.createdBy;
    }
    for (const s of from.riskSignals) pushCapped(into.riskSignals, s);
    for (const s of from.resourceGroupWrites)
      pushCapped(into.resourceGroupWrites, s, RESOURCE_GROUP_WRITES_CAP);
    for (const e of from.retained) retain(into, e);
    into.lastSeen = Math.max(into.lastSeen, from.lastSeen);
    return into;
  }
}

/**
 * A principal whose UPN is known and has no #EXT# is a member for good: nothing of theirs needs keeping
 * to judge again. This is what keeps memory flat when thousands of members create VMs all day.
 */
function knownInternal(state: PrincipalState): boolean {
  return !state.external && state.userPrincipalName !== undefined && !isExternalUpn(state.userPrincipalName);
}

/** Keeps a role grant to judge again once we learn whether its principal is external; decided ones were judged already. */
function retainWhileUndecided(state: PrincipalState, event: SecurityEvent): void {
  if (!state.external && !knownInternal(state)) retain(state, event);
}

function retain(state: PrincipalState, event: SecurityEvent): void {
  if (state.retained.some((e) => e.id === event.id)) return;
  pushCapped(state.retained, event);
}

/** Appends, dropping the oldest entry once the list is full. */
function pushCapped<T extends { time: number }>(list: T[], item: T, cap = LIST_CAP): void {
  list.push(item);
  if (list.length > cap) {
    let oldest = 0;
    for (let i = 1; i < list.length; i++) if ((list[i] as T).time < (list[oldest] as T).time) oldest = i;
    list.splice(oldest, 1);
  }
}

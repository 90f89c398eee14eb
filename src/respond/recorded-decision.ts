import type { Queryable } from "../store/database.js";
import { type AuditEntry, auditTrail, type IncidentRow } from "../store/incidents-repo.js";
import type { Decider } from "./containment.js";
import { CONTAINABLE_STATES, UNDOABLE_STATES } from "./lifecycle.js";

/**
 * Who asked for a change to the tenant, read from the incident's audit trail and never from a job: a job
 * is only a reminder, and anyone who can write to the queue (its dashboard, Redis) can write one. A job
 * whose decision is not in the trail, or was taken before the incident last changed state, is refused.
 */

/** A decision the trail holds for the incident as it is now. */
export interface RecordedDecision {
  by: Decider;
  /** The actions it covered; undefined when it covered every action still to run (a retry). */
  actionIds?: ReadonlySet<string>;
  at: number;
}

export type DecisionCheck = { ok: true; decision: RecordedDecision } | { ok: false; reason: string };

type Entry = AuditEntry & { at: number };

const refused = (reason: string): DecisionCheck => ({ ok: false, reason });

function coveredActions(entry: Entry): { actionIds?: ReadonlySet<string> } {
  const listed = entry.detail?.["actions"];
  return Array.isArray(listed) ? { actionIds: new Set(listed.map(String)) } : {};
}

/** An approver's decision as a `Decider`, or undefined when the entry names nobody. */
function approverOf(entry: Entry): Decider | undefined {
  if (entry.actorId === undefined || entry.actorId === "") return undefined;
  return { kind: "approver", id: entry.actorId, name: entry.actorName ?? entry.actorId };
}

/**
 * The decision a `contain` job runs on: the last transition in the trail must be that decision (an
 * approval, or the automatic policy's `auto-contain`), or containment's own step from an approval to
 * `executing`. Anything else (no decision, or one followed by another change of state) is refused: the
 * state alone, which a restored backup or a hand-edited row can set, is not enough.
 */
export async function containDecision(db: Queryable, incident: IncidentRow): Promise<DecisionCheck> {
  if (!CONTAINABLE_STATES.includes(incident.state)) {
    return refused(`the incident is ${incident.state}: only an approved or executing one is contained`);
  }
  // The trail, not the incident read a moment ago: another run may have moved it to executing meanwhile.
  const transitions = (await auditTrail(db, incident.id)).filter((e) => e.toState !== undefined);
  const last = transitions.at(-1);
  if (last === undefined) return refused("the trail holds no transition");
  if (last.action === "auto-contain" && last.toState === "executing") {
    return { ok: true, decision: { by: { kind: "automatic" }, ...coveredActions(last), at: last.at } };
  }
  // Containment's own step: approved -> executing, taken on the approval just before it.
  const decision = last.action === "executing" && last.toState === "executing" ? transitions.at(-2) : last;
  if (decision?.action !== "approved" || decision.toState !== "approved") {
    return refused(`the incident's last change of state was "${last.action}", not an approval`);
  }
  const by = approverOf(decision);
  if (by === undefined) return refused("the approval in the trail names no approver");
  return { ok: true, decision: { by, ...coveredActions(decision), at: decision.at } };
}

/**
 * The decision an `undo` job runs on: an approver's `undo-requested`, made on the card of the incident's
 * current version (so after its containment finished and before anything changed it since). A request
 * already carried out moved the version on (`reverted`), so it cannot be replayed.
 */
export async function undoDecision(db: Queryable, incident: IncidentRow): Promise<DecisionCheck> {
  if (!UNDOABLE_STATES.includes(incident.state)) {
    return refused(`the incident is ${incident.state}: there is nothing to undo`);
  }
  const trail = await auditTrail(db, incident.id);
  const lastTransition = trail.findLastIndex((e) => e.toState !== undefined);
  const request = trail
    .slice(lastTransition + 1)
    .findLast((e) => e.action === "undo-requested" && e.cardVersion === incident.version);
  const by = request === undefined ? undefined : approverOf(request);
  if (request === undefined || by === undefined) {
    return refused(`no approver asked to undo version ${incident.version} of the incident`);
  }
  return { ok: true, decision: { by, at: request.at } };
}

/** Trail actions that decide on an incident, or put it to a decision: a person's, the policy's, triage's. */
const DECISIONS: ReadonlySet<string> = new Set([
  "awaiting-approval",
  "grew",
  "auto-contain",
  "first-approval",
  "approved",
  "denied",
  "expired",
  "undo-requested",
  "reverted",
]);

/**
 * Whether detection added to the incident ("grown", "merged") since it was last decided on or put to a
 * decision. Only then may triage decide on it again: a triage job written to the queue by hand must not
 * reopen a denial, contain automatically what a person denied or undid, or decide again on evidence a
 * decision already saw (the circuit breaker's count, or the policy, may have changed since).
 */
export async function grewSinceLastDecision(db: Queryable, incidentId: string): Promise<boolean> {
  const trail = await auditTrail(db, incidentId);
  const lastDecision = trail.findLastIndex((e) => DECISIONS.has(e.action));
  return trail.slice(lastDecision + 1).some((e) => e.action === "grown" || e.action === "merged");
}

/**
 * Why the automatic policy left actions to a person, when the last decision on the incident was its own
 * and it did (it decides per action): once its own actions have run, triage puts the rest to one, with
 * that reason and without deciding them again (the tenant has changed since, by Warden's own hand: a role
 * it removed must not make a disable look safe). A triage job written by hand can do no more than that.
 */
export async function automaticLeftActionsToAPerson(
  db: Queryable,
  incidentId: string,
): Promise<string | undefined> {
  const trail = await auditTrail(db, incidentId);
  const lastDecision = trail.findLast((e) => DECISIONS.has(e.action));
  const asked = lastDecision?.detail?.["asked"];
  return lastDecision?.action === "auto-contain" && typeof asked === "string" ? asked : undefined;
}

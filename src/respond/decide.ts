import { type ActionRow, actionsOf, finishAction, reopenAction } from "../store/actions-repo.js";
import type { Database, Queryable } from "../store/database.js";
import { findingsByIds } from "../store/findings-repo.js";
import {
  appendAudit,
  auditTrail,
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import { approvable, DECISION_STEPS, type DecisionVerb } from "./lifecycle.js";

export { DECISION_STEPS } from "./lifecycle.js";

/**
 * Every decision a person takes on an incident (approve, deny, retry, undo) passes here, through one
 * rule set, checked against the store and never the card: the card's version must be the incident's
 * current one; the incident must be in a state the verb starts from; the person must not be the
 * incident's subject or actor; a verb that changes the tenant needs two different people for a critical
 * incident when so configured, the second agreeing with the first on the same version and the same
 * actions; and each decision is audited. Authorisation (the approvers' group or list) is the caller's.
 *
 * Undo and Retry once checked only group membership and state: the compromised admin who was an
 * incident's actor could not approve it, yet undid it alone (issue 17, finding 2).
 */

export interface Approver {
  id: string;
  name: string;
}

export type Verdict =
  | { approve: true; cardVersion: number; actionIds?: readonly string[] }
  | { approve: false; cardVersion: number; reason: string }
  | { retry: true; cardVersion: number }
  | { undo: true; cardVersion: number; reason: string };

export type Verb = DecisionVerb;

export type DecisionResult =
  | {
      outcome: "approved" | "denied" | "first-approval" | "retry-approved" | "undo-requested";
      incident: IncidentRow;
    }
  | { outcome: "refused"; reason: string; incident: IncidentRow | undefined };

export interface DecideDeps {
  db: Database;
  /** Critical incidents need two different people for a change to the tenant. */
  twoApproversForCritical: boolean;
}

export function verbOf(verdict: Verdict): Verb {
  if ("retry" in verdict) return "retry";
  if ("undo" in verdict) return "undo";
  return verdict.approve ? "approve" : "deny";
}

const refusal = (reason: string, incident: IncidentRow | undefined): DecisionResult => ({
  outcome: "refused",
  reason,
  incident,
});

export async function decide(
  deps: DecideDeps,
  incidentId: string,
  approver: Approver,
  verdict: Verdict,
): Promise<DecisionResult> {
  const verb = verbOf(verdict);
  const step = DECISION_STEPS[verb];
  const incident = await getIncident(deps.db, incidentId);
  if (incident === undefined) return refusal("no such incident", incident);
  if (verdict.cardVersion !== incident.version) {
    return refusal(
      `the card shows version ${verdict.cardVersion}, the incident is at ${incident.version}: refreshed, decide again`,
      incident,
    );
  }
  if (!step.from.includes(incident.state)) {
    return refusal(`the incident is ${incident.state}, not ${step.what}`, incident);
  }
  if ((await involvedPrincipals(deps.db, incident)).has(approver.id.toLowerCase())) {
    return refusal("you are the subject or the actor of this incident: someone else must decide", incident);
  }
  // What an approval covers: the planned actions, or after an undo the undone ones ("contain again").
  const planned: ActionRow[] = (await actionsOf(deps.db, incidentId)).filter((a) =>
    approvable(incident.state, a),
  );
  const chosen = "approve" in verdict && verdict.approve ? verdict.actionIds : undefined;
  if (chosen !== undefined) {
    const unknown = chosen.filter((id) => !planned.some((a) => a.id === id));
    if (unknown.length > 0 || chosen.length === 0) {
      return refusal("the selected actions are not among the incident's planned actions", incident);
    }
  }
  // What this decision covers, for the trail and for a second approver to agree with.
  const actions = verb === "approve" ? (chosen ?? planned.map((a) => a.id)) : undefined;

  if (step.changesTenant && deps.twoApproversForCritical && incident.severity === "critical") {
    const first = await firstApproval(deps.db, incident);
    if (first === undefined || first.verb !== verb) {
      // The first of two: recorded, and the version moves on so that every card shows it.
      const recorded = await transitionIncident(
        deps.db,
        incidentId,
        [incident.state],
        incident.state,
        {
          action: "first-approval",
          actorId: approver.id,
          actorName: approver.name,
          cardVersion: verdict.cardVersion,
          detail: { verb, ...(actions === undefined ? {} : { actions }) },
        },
        incident.version,
      );
      return recorded === undefined
        ? refusal("someone decided a moment ago", await getIncident(deps.db, incidentId))
        : { outcome: "first-approval", incident: recorded };
    }
    if (first.id === approver.id.toLowerCase()) {
      return refusal("a critical incident needs a second, different approver", incident);
    }
    if (!sameSet(first.actions, actions)) {
      return refusal(
        `${first.name} approved ${first.actions?.length ?? 0} action(s): approve the same ones, or deny`,
        incident,
      );
    }
  }

  if (verb === "undo") {
    // The undo job reads this request from the trail (recorded-decision.ts) and does the undoing.
    await appendAudit(deps.db, {
      incidentId,
      action: "undo-requested",
      actorId: approver.id,
      actorName: approver.name,
      cardVersion: verdict.cardVersion,
      // Undo gives back what containment took: who asked it and why stays beside the approval.
      ...("reason" in verdict ? { detail: { reason: verdict.reason } } : {}),
    });
    return { outcome: "undo-requested", incident };
  }
  const to: IncidentState = verb === "deny" ? "denied" : "approved";
  const reopen = verb === "approve" && incident.state === "reverted";
  // Contained again: the approval and each chosen action planned afresh are one transaction, so an
  // approved incident never waits on actions still marked undone (the rest stay undone, as left).
  const moved = await deps.db.transaction(async (tx) => {
    const approved = await transitionIncident(
      tx,
      incidentId,
      step.from,
      to,
      {
        action: to,
        actorId: approver.id,
        actorName: approver.name,
        cardVersion: verdict.cardVersion,
        detail:
          "reason" in verdict
            ? { reason: verdict.reason }
            : verb === "retry"
              ? { retry: true }
              : { actions: actions ?? [] },
      },
      incident.version,
    );
    if (approved !== undefined && reopen) {
      const selected = new Set(chosen ?? planned.map((a) => a.id));
      for (const a of planned.filter((p) => selected.has(p.id))) await reopenAction(tx, a.id);
    }
    return approved;
  });
  if (moved === undefined) {
    return refusal("someone decided a moment ago", await getIncident(deps.db, incidentId));
  }
  if (chosen !== undefined && !reopen) {
    const selected = new Set(chosen);
    for (const a of planned.filter((p) => !selected.has(p.id))) {
      await finishAction(deps.db, a.id, { state: "skipped", outcome: `not selected by ${approver.name}` });
    }
  }
  if (verb === "retry") return { outcome: "retry-approved", incident: moved };
  return { outcome: verb === "deny" ? "denied" : "approved", incident: moved };
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((id) => right.has(id));
}

/** Object ids of everyone an incident is about or was done by. */
export async function involvedPrincipals(db: Queryable, incident: IncidentRow): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const f of await findingsByIds(db, incident.findingIds)) {
    if (f.subject.id !== undefined) ids.add(f.subject.id.toLowerCase());
    if (f.actor?.id !== undefined) ids.add(f.actor.id.toLowerCase());
  }
  return ids;
}

export interface FirstApproval extends Approver {
  verb: Verb;
  /** The actions it approved (an approval); undefined for a retry or an undo. */
  actions?: readonly string[];
}

/**
 * The first of two approvals, if it still stands: given on the version just before the incident's
 * current one (recording it moved the version on). Anything that changed the incident since (it grew,
 * merged, or moved state) moved the version again, and the first approval lapsed with it.
 */
export async function firstApproval(
  db: Queryable,
  incident: Pick<IncidentRow, "id" | "version">,
): Promise<FirstApproval | undefined> {
  const entry = (await auditTrail(db, incident.id)).findLast((e) => e.action === "first-approval");
  if (entry?.actorId === undefined || entry.cardVersion === undefined) return undefined;
  if (entry.cardVersion + 1 !== incident.version) return undefined;
  const verb = entry.detail?.["verb"];
  const listed = entry.detail?.["actions"];
  return {
    id: entry.actorId.toLowerCase(),
    name: entry.actorName ?? entry.actorId,
    verb: verb === "retry" || verb === "undo" || verb === "deny" ? verb : "approve",
    ...(Array.isArray(listed) ? { actions: listed.map(String) } : {}),
  };
}

import { auditCard } from "../cards/audit-card.js";
import type { Verb as CardVerb } from "../cards/incident-card.js";
import { enqueue, JOBS } from "../jobs/catalogue.js";
import type { JobQueue } from "../jobs/queue/job-queue.js";
import {
  type Approver,
  type DecisionResult,
  decide,
  involvedPrincipals,
  type Verdict,
} from "../respond/decide.js";
import { incidentView, retryable } from "../respond/view-for-card.js";
import type { WorkflowDeps } from "../respond/workflow.js";
import { type ActionRow, actionsOf } from "../store/actions-repo.js";
import { appendAudit, auditTrail, type IncidentRow } from "../store/incidents-repo.js";

/** One click on an incident card, its clicker checked as an approver of this tenant. */
export interface CardClick {
  incident: IncidentRow;
  /** The version the card showed. */
  version: number;
  data: Record<string, unknown>;
  clicker: Approver;
  workflow: WorkflowDeps;
  queue: JobQueue;
}

/**
 * What a verb answers: the incident's current card (after a decision, or as it is), another card (its
 * trail), or a refusal whose reason the card shows.
 */
export type VerbAnswer =
  | { kind: "current" }
  | { kind: "card"; card: Record<string, unknown> }
  | { kind: "refused"; reason: string };

/** Verbs that only read: they answer whatever version the card showed. */
const READS: Partial<Record<CardVerb, (click: CardClick) => Promise<VerbAnswer>>> = {
  refresh: async () => ({ kind: "current" }),
  // Taking an incident on changes nothing in the tenant: it is said on everyone's card, and in the trail.
  acknowledge: async ({ incident, clicker, workflow, queue, version }) => {
    // Whoever the incident is about, or who did it, does not own its handling: the card would vouch for them.
    if ((await involvedPrincipals(workflow.db, incident)).has(clicker.id.toLowerCase()))
      return {
        kind: "refused",
        reason: "you are the subject or the actor of this incident: someone else must own it",
      };
    // One owner: two clicks at once are taken one after the other, under the incident's row lock.
    const owner = await workflow.db.transaction(async (tx) => {
      await tx.query("SELECT id FROM incidents WHERE id = $1 FOR UPDATE", [incident.id]);
      const taken = (await auditTrail(tx, incident.id)).findLast((e) => e.action === "acknowledged");
      if (taken !== undefined) return taken.actorName ?? "someone";
      await appendAudit(tx, {
        incidentId: incident.id,
        action: "acknowledged",
        actorId: clicker.id,
        actorName: clicker.name,
        cardVersion: version,
      });
      return undefined;
    });
    if (owner !== undefined) return { kind: "refused", reason: `${owner} already owns it` };
    await enqueue(queue, JOBS.notify, { incidentId: incident.id, refresh: true });
    return { kind: "current" };
  },
  history: async ({ incident, workflow }) => ({
    kind: "card",
    card: withWayBack(
      auditCard(
        { id: incident.id, title: (await incidentView(workflow.db, incident)).title },
        await auditTrail(workflow.db, incident.id),
      ),
      incident,
    ),
  }),
};

/** Actions a retry runs again without doubt: not run yet, or cut short by a transient failure. */
const RERUNNABLE = new Set<ActionRow["state"]>(["planned", "waiting", "running"]);

/**
 * Whether a retry can change anything: something is left to run, or a failure is one a retry may mend.
 * Failures all of the kind that fail the same way every time (a 404, an invalid request) are not retried.
 */
export function mendable(actions: readonly ActionRow[]): boolean {
  const failed = actions.filter((a) => a.state === "failed");
  return (
    failed.length === 0 ||
    actions.some((a) => RERUNNABLE.has(a.state) || (a.state === "failed" && retryable(a.outcome ?? "")))
  );
}

/** A reason typed on the card: trimmed, at most what the input allows. */
const reasonOf = (data: Record<string, unknown>): string =>
  typeof data["reason"] === "string" ? data["reason"].trim().slice(0, 500) : "";

interface DecisionVerb {
  /** The verdict the click asks for, or why it cannot ask for one. */
  verdict(click: CardClick & { actions: readonly ActionRow[] }): Verdict | { refused: string };
  /** The decision's outcome that starts work, and the job that does it. */
  starts?: { outcome: DecisionResult["outcome"]; job: "contain" | "undo" };
}

/**
 * Verbs that decide: each passes the same rules in `decide()` (not the subject or the actor, two people
 * for a critical incident where configured, the card's version current), and queues its job only once
 * the decision is whole (a first of two approvals queues nothing).
 */
const DECISIONS: Partial<Record<CardVerb, DecisionVerb>> = {
  approve: {
    verdict: ({ version }) => ({ approve: true, cardVersion: version }),
    starts: { outcome: "approved", job: "contain" },
  },
  approveSelected: {
    verdict: ({ version, data }) => ({
      approve: true,
      cardVersion: version,
      actionIds: String(data["actions"] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    }),
    starts: { outcome: "approved", job: "contain" },
  },
  deny: {
    verdict: ({ version, data }) => {
      const reason = reasonOf(data);
      return reason === ""
        ? { refused: "a denial needs a reason" }
        : { approve: false, cardVersion: version, reason };
    },
  },
  retry: {
    verdict: ({ version, actions }) =>
      // Only what a retry can mend: a 404 or an invalid request fails the same way every time.
      mendable(actions)
        ? { retry: true, cardVersion: version }
        : { refused: "nothing here can succeed on a retry: the card says what to do instead" },
    starts: { outcome: "retry-approved", job: "contain" },
  },
  undo: {
    // Undo may give an attacker back what containment took: the card states it, and asks why.
    verdict: ({ version, data }) => {
      const reason = reasonOf(data);
      return reason === ""
        ? { refused: "an undo needs a reason" }
        : { undo: true, cardVersion: version, reason };
    },
    starts: { outcome: "undo-requested", job: "undo" },
  },
};

/**
 * The trail replaces the card for whoever asked: it gets a button back to the incident's card (a refresh,
 * which answers the current card for that person), so nobody is left on the trail.
 */
function withWayBack(card: Record<string, unknown>, incident: IncidentRow): Record<string, unknown> {
  return {
    ...card,
    actions: [
      {
        type: "Action.Execute",
        verb: "refresh",
        title: "Back to the incident",
        data: { incidentId: incident.id, version: incident.version },
      },
    ],
  };
}

/** Whether a verb reads only (and so answers a card of any version). */
export const readsOnly = (verb: CardVerb): boolean => READS[verb] !== undefined;

/** Runs one verb of an incident card. */
export async function runVerb(verb: CardVerb, click: CardClick): Promise<VerbAnswer> {
  const read = READS[verb];
  if (read !== undefined) return read(click);
  const decision = DECISIONS[verb];
  if (decision === undefined) return { kind: "refused", reason: `"${verb}" is not a decision` };
  const verdict = decision.verdict({
    ...click,
    actions: await actionsOf(click.workflow.db, click.incident.id),
  });
  if ("refused" in verdict) return { kind: "refused", reason: verdict.refused };
  const result = await decide(click.workflow, click.incident.id, click.clicker, verdict);
  if (result.outcome === "refused") return { kind: "refused", reason: result.reason };
  if (decision.starts !== undefined && result.outcome === decision.starts.outcome) {
    await enqueue(click.queue, JOBS[decision.starts.job], { incidentId: click.incident.id });
  }
  return { kind: "current" };
}

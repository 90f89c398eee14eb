import { auditCard } from "../cards/audit-card.js";
import type { Verb as CardVerb } from "../cards/incident-card.js";
import { enqueue, JOBS } from "../jobs/catalogue.js";
import type { JobQueue } from "../jobs/queue/job-queue.js";
import { type Approver, type DecisionResult, decide, type Verdict } from "../respond/decide.js";
import type { WorkflowDeps } from "../respond/workflow.js";
import { auditTrail, type IncidentRow } from "../store/incidents-repo.js";

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
  history: async ({ incident, workflow }) => ({
    kind: "card",
    card: auditCard(incident.id, await auditTrail(workflow.db, incident.id)),
  }),
};

interface DecisionVerb {
  /** The verdict the click asks for, or why it cannot ask for one. */
  verdict(click: CardClick): Verdict | { refused: string };
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
      const reason = typeof data["reason"] === "string" ? data["reason"].trim().slice(0, 500) : "";
      return reason === ""
        ? { refused: "a denial needs a reason" }
        : { approve: false, cardVersion: version, reason };
    },
  },
  retry: {
    verdict: ({ version }) => ({ retry: true, cardVersion: version }),
    starts: { outcome: "retry-approved", job: "contain" },
  },
  undo: {
    verdict: ({ version }) => ({ undo: true, cardVersion: version }),
    starts: { outcome: "undo-requested", job: "undo" },
  },
};

/** Whether a verb reads only (and so answers a card of any version). */
export const readsOnly = (verb: CardVerb): boolean => READS[verb] !== undefined;

/** Runs one verb of an incident card. */
export async function runVerb(verb: CardVerb, click: CardClick): Promise<VerbAnswer> {
  const read = READS[verb];
  if (read !== undefined) return read(click);
  const decision = DECISIONS[verb];
  if (decision === undefined) return { kind: "refused", reason: `"${verb}" is not a decision` };
  const verdict = decision.verdict(click);
  if ("refused" in verdict) return { kind: "refused", reason: verdict.refused };
  const result = await decide(click.workflow, click.incident.id, click.clicker, verdict);
  if (result.outcome === "refused") return { kind: "refused", reason: result.reason };
  if (decision.starts !== undefined && result.outcome === decision.starts.outcome) {
    await enqueue(click.queue, JOBS[decision.starts.job], { incidentId: click.incident.id });
  }
  return { kind: "current" };
}

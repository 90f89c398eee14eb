import type { ActionState } from "../store/actions-repo.js";
import type { IncidentState } from "../store/incidents-repo.js";

/**
 * The incident lifecycle's decision steps, in one table that the cards (which buttons to show), the bot
 * and `decide()` (which clicks to take), and the contain handler (which jobs to run) all read.
 *
 *   open ─triage─▶ pending ─approve─▶ approved ─▶ executing ─▶ contained | partial | failed
 *        └─auto──────────────────────────────────▶ executing ─▶ auto-contained (the rest: pending)
 *   pending ─deny─▶ denied;  pending ─(expiry)─▶ expired;  partial | failed ─retry─▶ approved
 *   contained | auto-contained | partial ─undo─▶ (undo job) ─▶ reverted
 *   denied | expired ─approve ("Approve now")─▶ approved;  reverted ─approve ("Contain again")─▶ approved
 *
 * Approving late is safe because every action plans again against the live tenant as it runs
 * (execute.ts): what is already in place is confirmed, not done twice.
 */

export type DecisionVerb = "approve" | "deny" | "retry" | "undo";

/** States an approver may undo from. */
export const UNDOABLE_STATES: readonly IncidentState[] = ["contained", "auto-contained", "partial"];

/** States a `contain` job runs in: approved by a person, or executing (automatic, or a run under way). */
export const CONTAINABLE_STATES: readonly IncidentState[] = ["approved", "executing"];

/** The states each verb starts from, and whether it changes the tenant. */
export const DECISION_STEPS: Readonly<
  Record<DecisionVerb, { from: readonly IncidentState[]; changesTenant: boolean; what: string }>
> = {
  approve: {
    from: ["pending", "denied", "expired", "reverted"],
    changesTenant: true,
    what: "waiting for a decision, denied, expired or undone",
  },
  deny: { from: ["pending"], changesTenant: false, what: "waiting for a decision" },
  retry: { from: ["failed", "partial"], changesTenant: true, what: "waiting for a retry" },
  undo: { from: UNDOABLE_STATES, changesTenant: true, what: "contained, with something to undo" },
};

/** How undo marks a step it withdrew from an administrator (undo.ts): contain again asks it once more. */
export const WITHDRAWN_BY_UNDO = "withdrawn by the undo";

/**
 * Whether approving the incident in its state runs this action: a planned one; after an undo ("contain
 * again"), every one the undo gave back or left undone: undone, withdrawn from an administrator, or one
 * that had failed. Nothing containment held is silently left out of containing again.
 */
export function approvable(
  incident: IncidentState,
  action: { state: ActionState; outcome?: string | null | undefined },
): boolean {
  if (incident !== "reverted") return action.state === "planned";
  return (
    action.state === "undone" ||
    action.state === "failed" ||
    (action.state === "skipped" && (action.outcome ?? "").startsWith(WITHDRAWN_BY_UNDO))
  );
}

/** Whether an incident in `state` offers `verb`. */
export const offers = (verb: DecisionVerb, state: IncidentState): boolean =>
  DECISION_STEPS[verb].from.includes(state);

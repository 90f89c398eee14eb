import type { Logger } from "../log.js";
import type { ActionRow } from "../store/actions-repo.js";
import type { Database } from "../store/database.js";
import type { Guard } from "./guard.js";
import { targetKey } from "./proposals.js";
import type { ActionName, ActionPlan, ActionTarget, RespondContext } from "./types.js";

/**
 * What containment works with, and what it says: the parts plan.ts, execute.ts and undo.ts share. Triage
 * (workflow.ts) plans; a decision (decide.ts, or the automatic policy) lets execute run; undo restores.
 */

export interface ContainmentDeps {
  db: Database;
  ctx: RespondContext;
  guard: Guard;
  /** Plan and show everything, change nothing. */
  dryRun: boolean;
  log: Logger;
  /** How long a claimed action is held before another worker may take it over (default 30 s). */
  actionLeaseMs?: number;
}

/** Who decided: an approver (Entra object id and name) or the automatic policy. */
export type Decider = { kind: "approver"; id: string; name: string } | { kind: "automatic" };

export type ActionOutcome = {
  id: string;
  action: ActionName;
  target: string;
  state: ActionRow["state"];
  outcome: string | null;
};
/** An action's id: one per incident, kind and target (proposals.ts, `targetKey`). */
export const actionId = (incidentId: string, action: ActionName, target: ActionTarget) =>
  `${incidentId}:${action}:${targetKey(target)}`;
export const targetOf = (row: ActionRow) => row.target as unknown as ActionTarget;
export const userIdOf = (plan: ActionPlan) =>
  typeof plan.data["userId"] === "string" ? plan.data["userId"] : undefined;
export function outcomeOf(row: ActionRow): ActionOutcome {
  return {
    id: row.id,
    action: row.action as ActionName,
    target: targetOf(row).label,
    state: row.state,
    outcome: row.outcome,
  };
}

import { classifyFailure, remedyFor } from "../cloud/errors.js";
import { actionsOf, finishAction, withdrawAdministratorStep } from "../store/actions-repo.js";
import { appendAudit, getIncident, type IncidentRow, transitionIncident } from "../store/incidents-repo.js";
import {
  type ActionOutcome,
  type ContainmentDeps,
  type Decider,
  outcomeOf,
  targetOf,
} from "./containment.js";
import { WITHDRAWN_BY_UNDO } from "./lifecycle.js";
import { RESPONDERS } from "./responders/index.js";
import { type ActionName, AdministratorStepRequired } from "./types.js";

/**
 * Undoes an incident's executed actions: each restores what it recorded it changed. The incident goes to
 * `reverted` when every one was undone; an undo that failed is tried again by the next one.
 */
export async function undoContainment(
  deps: ContainmentDeps,
  incidentId: string,
  by: Decider,
): Promise<{ incident: IncidentRow | undefined; outcomes: ActionOutcome[] }> {
  const rows = await actionsOf(deps.db, incidentId);
  let failed = 0;
  for (const listed of rows) {
    let row = listed;
    if (row.state === "awaiting-admin") {
      // Asked of an administrator, never shown done: the request is withdrawn, and the card says so. Had
      // the administrator-steps job just recorded it taken, it is undone below like any done action.
      const withdrawn = await withdrawAdministratorStep(
        deps.db,
        row.id,
        `${WITHDRAWN_BY_UNDO}: no longer asked of an administrator`,
      );
      if (withdrawn) continue;
      row = (await actionsOf(deps.db, incidentId)).find((r) => r.id === listed.id) ?? listed;
    }
    // An undo that failed before is tried again: each responder's undo gives back only what is not
    // held again, so a second run after a half-done one finishes it.
    if ((row.state !== "done" && row.state !== "undo-failed") || row.changed === null) continue;
    const responder = RESPONDERS[row.action as ActionName];
    try {
      const restored = await responder.undo(deps.ctx, targetOf(row), row.changed);
      await finishAction(deps.db, row.id, { state: "undone", outcome: `undone: ${restored}` });
      await appendAudit(deps.db, {
        incidentId,
        action: "action-undone",
        ...(by.kind === "approver" ? { actorId: by.id, actorName: by.name } : {}),
        detail: { actionId: row.id, restored },
      });
    } catch (error) {
      if (error instanceof AdministratorStepRequired) {
        // Only a person may reverse it: the card says how; the administrator-steps job watches for it.
        await finishAction(deps.db, row.id, {
          state: "undo-awaiting-admin",
          outcome: `undo waits for a Global Administrator: ${error.reason}`,
          changed: { ...row.changed, administratorSteps: error.steps },
        });
        continue;
      }
      failed += 1;
      const failure = classifyFailure(error);
      await finishAction(deps.db, row.id, {
        state: "undo-failed",
        outcome: `undo failed: ${remedyFor(failure, responder.permission)}`,
      });
    }
  }
  // Reverted only once nothing is left for anyone to undo, a person's step included, and no undo failed.
  const after = await actionsOf(deps.db, incidentId);
  const awaiting = after.some((r) => r.state === "undo-awaiting-admin" || r.state === "undo-failed");
  const incident =
    failed === 0 && !awaiting
      ? ((await transitionIncident(
          deps.db,
          incidentId,
          ["contained", "auto-contained", "partial", "failed"],
          "reverted",
          {
            action: "reverted",
            ...(by.kind === "approver" ? { actorId: by.id, actorName: by.name } : {}),
          },
        )) ?? (await getIncident(deps.db, incidentId)))
      : await getIncident(deps.db, incidentId);
  return { incident, outcomes: (await actionsOf(deps.db, incidentId)).map(outcomeOf) };
}

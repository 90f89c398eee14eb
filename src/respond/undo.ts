import { classifyFailure, remedyFor } from "../cloud/errors.js";
import { actionsOf, finishAction } from "../store/actions-repo.js";
import { appendAudit, getIncident, type IncidentRow, transitionIncident } from "../store/incidents-repo.js";
import {
  type ActionOutcome,
  type ContainmentDeps,
  type Decider,
  outcomeOf,
  targetOf,
} from "./containment.js";
import { RESPONDERS } from "./responders/index.js";
import type { ActionName } from "./types.js";

/**
 * Undoes an incident's executed actions: each restores what it recorded it changed. The incident goes to
 * `reverted` when every one was undone.
 */
export async function undoContainment(
  deps: ContainmentDeps,
  incidentId: string,
  by: Decider,
): Promise<{ incident: IncidentRow | undefined; outcomes: ActionOutcome[] }> {
  const rows = await actionsOf(deps.db, incidentId);
  let failed = 0;
  for (const row of rows) {
    if (row.state !== "done" || row.changed === null) continue;
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
      failed += 1;
      const failure = classifyFailure(error);
      await finishAction(deps.db, row.id, {
        state: "undo-failed",
        outcome: `undo failed: ${remedyFor(failure, responder.permission)}`,
      });
    }
  }
  const incident =
    failed === 0
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

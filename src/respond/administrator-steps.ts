import { actionsOf, recordAdministratorStep } from "../store/actions-repo.js";
import {
  appendAudit,
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import { type ContainmentDeps, targetOf } from "./containment.js";
import { settleIncident } from "./execute.js";
import { UNDOABLE_STATES } from "./lifecycle.js";
import { undoDecision } from "./recorded-decision.js";
import { RESPONDERS } from "./responders/index.js";
import type { ActionName, ActionPlan } from "./types.js";

export interface AdministratorCheck {
  incident: IncidentRow | undefined;
  /** Actions whose step the tenant now shows taken. */
  taken: number;
  /** Actions still waiting for a person. */
  waiting: number;
  /** The state this check moved the incident to, if it moved it. */
  settledTo: IncidentState | undefined;
}

/**
 * Looks at the tenant for the steps Warden asked a person to take (Microsoft leaves the transfer policy to
 * a Global Administrator): each one the tenant shows taken is recorded done (or undone) with who did it
 * and when, as the tenant says, and the incident is settled again. It only reads the tenant and records
 * what it shows, so a job asking for it, from whoever wrote to the queue, changes nothing in the tenant.
 */
export async function checkAdministratorSteps(
  deps: ContainmentDeps,
  incidentId: string,
): Promise<AdministratorCheck> {
  const rows = await actionsOf(deps.db, incidentId);
  let done = 0;
  let undone = 0;
  let waiting = 0;
  for (const row of rows) {
    if (row.state !== "awaiting-admin" && row.state !== "undo-awaiting-admin") continue;
    const check = RESPONDERS[row.action as ActionName].byAdministrator;
    if (check === undefined) continue;
    const target = targetOf(row);
    const plan = row.plan as unknown as ActionPlan;
    const by =
      row.state === "awaiting-admin"
        ? await check.done(deps.ctx, target, plan)
        : await check.undone(deps.ctx, target, row.changed ?? {});
    if (by === undefined) {
      waiting += 1;
      continue;
    }
    const taking = row.state === "awaiting-admin";
    const outcome = taking
      ? `done by ${by.by} at ${by.at}: ${plan.changes.join("; ")}`
      : `undone by ${by.by} at ${by.at}`;
    // What undo needs (the state before) is kept; the steps are not asked any more.
    const { administratorSteps: _, ...kept } = row.changed ?? {};
    const before = plan.data["before"];
    const changed = taking
      ? { ...(before === undefined ? {} : { before }), appliedBy: by.by, appliedAt: by.at }
      : { ...kept, restoredBy: by.by, restoredAt: by.at };
    const moved = await recordAdministratorStep(deps.db, row.id, row.state, {
      state: taking ? "done" : "undone",
      outcome,
      changed,
    });
    if (!moved) continue;
    if (taking) done += 1;
    else undone += 1;
    await appendAudit(deps.db, {
      incidentId,
      action: taking ? "action-done" : "action-undone",
      actorName: by.by,
      detail: { actionId: row.id, action: row.action, target: target.label, outcome, by: "an administrator" },
    });
  }
  let incident = await getIncident(deps.db, incidentId);
  // An undo asked on this version waits for its job: settling now would move the version on and the
  // undo would be refused as asked on an old card. The undo takes the incident from here.
  if (incident !== undefined && (await undoDecision(deps.db, incident)).ok)
    return { incident, taken: done + undone, waiting, settledTo: undefined };
  let settledTo: IncidentState | undefined;
  if (done > 0 && incident?.state === "partial") {
    const now = await actionsOf(deps.db, incidentId);
    const acted = now.filter((r) => r.state !== "skipped" && r.state !== "planned");
    // Actions planned after the decision are not this one's to wait for (as in a contain run).
    const decided = new Set(now.filter((r) => r.state !== "planned").map((r) => r.id));
    const before = incident.state;
    incident = await settleIncident(
      deps,
      incidentId,
      acted.every((r) => r.automatic),
      decided,
    );
    if (incident !== undefined && incident.state !== before) settledTo = incident.state;
  }
  if (undone > 0 && incident !== undefined && UNDOABLE_STATES.includes(incident.state)) {
    const now = await actionsOf(deps.db, incidentId);
    const left = now.some(
      (r) =>
        r.state === "undo-awaiting-admin" ||
        r.state === "undo-failed" ||
        (r.state === "done" && r.changed !== null),
    );
    if (!left) {
      const reverted = await transitionIncident(deps.db, incidentId, UNDOABLE_STATES, "reverted", {
        action: "reverted",
        actorName: "administrator steps",
      });
      if (reverted !== undefined) settledTo = "reverted";
      incident = reverted ?? (await getIncident(deps.db, incidentId));
    }
  }
  return { incident, taken: done + undone, waiting, settledTo };
}

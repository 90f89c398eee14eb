import { classifyFailure, remedyFor } from "../cloud/errors.js";
import type { Logger } from "../log.js";
import {
  type ActionRow,
  actionsOf,
  claimAction,
  finishAction,
  recordAttemptPlan,
  recordPlannedActions,
} from "../store/actions-repo.js";
import type { Database } from "../store/database.js";
import { findingsByIds } from "../store/findings-repo.js";
import {
  appendAudit,
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import type { Guard } from "./guard.js";
import { limitKey, type ProposedAction, proposeActions, targetKey } from "./proposals.js";
import { RESPONDERS } from "./responders/index.js";
import type { ActionName, ActionPlan, ActionTarget, RespondContext } from "./types.js";

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

const targetOf = (row: ActionRow) => row.target as unknown as ActionTarget;
const userIdOf = (plan: ActionPlan) =>
  typeof plan.data["userId"] === "string" ? plan.data["userId"] : undefined;

/**
 * Plans an incident's actions from its findings and records them: each says what it would change in the
 * live tenant, or why it is skipped (a protected principal). Planning twice adds only new actions.
 */
export async function planContainment(deps: ContainmentDeps, incident: IncidentRow): Promise<ActionRow[]> {
  const findings = await findingsByIds(deps.db, incident.findingIds);
  const existing = await actionsOf(deps.db, incident.id);
  const known = new Set(existing.map((a) => a.id));
  const rows = [];
  for (const proposal of proposeActions(findings, incident.tenantId)) {
    const id = actionId(incident.id, proposal.action, proposal.target);
    if (known.has(id)) continue;
    // A user first known by UPN alone, then by id as the incident grew, is one user: an action on them
    // planned under the UPN stands (a second would revoke their sessions twice).
    if (
      existing.some(
        (a) => a.action === proposal.action && sameUser(a, proposal.target) && sameLimit(a, proposal.target),
      )
    )
      continue;
    const base = {
      id,
      tenantId: incident.tenantId,
      incidentId: incident.id,
      action: proposal.action,
      target: proposal.target as unknown as Record<string, unknown>,
    };
    const verdict = await deps.guard.check(proposal.target);
    if (verdict.protected) {
      rows.push({
        ...base,
        state: "skipped" as const,
        plan: { changes: [], because: proposal.because },
        outcome: `skipped: ${proposal.target.label} is ${verdict.reason}`,
      });
      continue;
    }
    let plan: ActionPlan;
    try {
      plan = await RESPONDERS[proposal.action].plan(deps.ctx, proposal.target);
    } catch (error) {
      // A plan that cannot be read now is planned again at execution; the card says why it is unknown.
      const failure = classifyFailure(error);
      plan = { needed: true, changes: [`(could not be read: ${failure.message})`], data: {} };
    }
    const again =
      userIdOf(plan) === undefined ? verdict : await deps.guard.check(proposal.target, userIdOf(plan));
    if (again.protected) {
      rows.push({
        ...base,
        state: "skipped" as const,
        plan: { changes: [], because: proposal.because },
        outcome: `skipped: ${proposal.target.label} is ${again.reason}`,
      });
      continue;
    }
    rows.push({ ...base, state: "planned" as const, plan: { ...plan, because: proposal.because } });
  }
  await recordPlannedActions(deps.db, rows);
  return actionsOf(deps.db, incident.id);
}

/** The proposal a recorded action was planned from: by id, or (a user first known by UPN) by user and limit. */
export function proposalOf(
  incidentId: string,
  row: ActionRow,
  proposals: readonly ProposedAction[],
): ProposedAction | undefined {
  return (
    proposals.find((p) => actionId(incidentId, p.action, p.target) === row.id) ??
    proposals.find((p) => p.action === row.action && sameUser(row, p.target) && sameLimit(row, p.target))
  );
}

/** Whether a recorded action is limited to the same privileges as a proposed one. */
function sameLimit(row: ActionRow, target: ActionTarget): boolean {
  const limit = (t: ActionTarget) => (t.kind === "user" ? limitKey(t.limit) : "");
  return limit(targetOf(row)) === limit(target);
}

/** Whether a recorded action's target is this user, by object id (as targeted or as its plan read it) or UPN. */
function sameUser(row: ActionRow, target: ActionTarget): boolean {
  if (target.kind !== "user" || row.target["kind"] !== "user") return false;
  const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : undefined);
  const ids = new Set([
    lower(row.target["id"]),
    lower(row.plan["data"] && (row.plan["data"] as Record<string, unknown>)["userId"]),
  ]);
  const upn = lower(row.target["userPrincipalName"]);
  return (
    (target.id !== undefined && ids.has(target.id.toLowerCase())) ||
    (target.userPrincipalName !== undefined && upn === target.userPrincipalName.toLowerCase())
  );
}

/**
 * Runs an approved (or automatically contained) incident's actions, each once: an action is claimed
 * before it runs, so a double click, two approvers or two workers run it once, and one left running by a
 * crashed worker is taken over when its lease lapses. Each action plans again against the live tenant
 * first: what is already in place is confirmed, not done twice. Returns the outcomes.
 */
export async function executeContainment(
  deps: ContainmentDeps,
  incidentId: string,
  by: Decider,
  only?: ReadonlySet<string>,
): Promise<{ incident: IncidentRow | undefined; outcomes: ActionOutcome[]; transient: boolean }> {
  const automatic = by.kind === "automatic";
  const approvedBy = by.kind === "approver" ? by.id : null;
  let transient = false;
  const rows = (await actionsOf(deps.db, incidentId)).filter((a) => only === undefined || only.has(a.id));
  for (const row of rows) {
    // Only what was decided runs: an action planned after the decision (the incident grew) waits for its own.
    if (!["planned", "waiting", "failed", "running"].includes(row.state)) continue;
    const claimed = await claimAction(deps.db, row.id, { approvedBy, automatic }, deps.actionLeaseMs);
    if (claimed === undefined) continue;
    const result = await runOne(deps, claimed);
    transient ||= result.transient;
    await finishAction(deps.db, claimed.id, result);
    await appendAudit(deps.db, {
      incidentId,
      action: `action-${result.state}`,
      ...(by.kind === "approver"
        ? { actorId: by.id, actorName: by.name }
        : { actorName: "automatic containment" }),
      detail: {
        actionId: claimed.id,
        action: claimed.action,
        target: targetOf(claimed).label,
        outcome: result.outcome,
        ...(result.requestIds === undefined ? {} : { requestIds: result.requestIds }),
      },
    });
  }
  // A transient failure is retried by the job: the incident stays executing until it ends one way or another.
  const incident = transient
    ? await getIncident(deps.db, incidentId)
    : await settleIncident(deps, incidentId, automatic, only);
  return { incident, outcomes: (await actionsOf(deps.db, incidentId)).map(outcomeOf), transient };
}

async function runOne(
  deps: ContainmentDeps,
  row: ActionRow,
): Promise<{
  state: ActionRow["state"];
  outcome: string;
  changed?: Record<string, unknown>;
  requestIds?: string[];
  transient: boolean;
}> {
  const responder = RESPONDERS[row.action as ActionName];
  const target = targetOf(row);
  try {
    // The guard again, at the moment of the change: configuration or membership may have changed.
    const before = await deps.guard.check(target);
    if (before.protected)
      return { state: "skipped", outcome: `skipped: ${target.label} is ${before.reason}`, transient: false };
    // On a retry only (the claim counted this attempt): an earlier attempt may have made the change
    // without Warden hearing the answer. A first attempt plans afresh, whatever happened since triage.
    const plan = await responder.plan(
      deps.ctx,
      target,
      row.attempts > 1 ? (row.plan as unknown as ActionPlan) : undefined,
    );
    const verdict = await deps.guard.check(target, userIdOf(plan));
    if (verdict.protected)
      return { state: "skipped", outcome: `skipped: ${target.label} is ${verdict.reason}`, transient: false };
    if (!plan.needed)
      return { state: "done", outcome: `already in place: ${plan.changes.join("; ")}`, transient: false };
    if (deps.dryRun)
      return {
        state: "skipped",
        outcome: `dry run, nothing changed; would: ${plan.changes.join("; ")}`,
        transient: false,
      };
    // The plan this attempt acts on becomes the one a retry compares against: an attempt whose answer is
    // lost, or whose check fails after the change, must be recognised by the next (a revocation is not a
    // state the tenant shows, only a time that moved since this read), whatever triage could read.
    await recordAttemptPlan(deps.db, row.id, {
      ...plan,
      because: (row.plan as { because?: unknown }).because,
    });
    const executed = await responder.execute(deps.ctx, target, plan);
    // Record what changed before anything else can fail: undo needs it even if verification does not pass.
    await finishAction(deps.db, row.id, {
      state: "running",
      outcome: "executed, verifying",
      changed: executed.changed,
      requestIds: executed.requestIds,
    });
    const verified = await responder.verify(deps.ctx, target, plan);
    const said = plan.changes.join("; ") + (executed.note === undefined ? "" : `; ${executed.note}`);
    return verified
      ? {
          state: "done",
          outcome: said,
          changed: executed.changed,
          requestIds: executed.requestIds,
          transient: false,
        }
      : {
          state: "waiting",
          outcome: `executed but the tenant does not show it yet: ${plan.changes.join("; ")}`,
          changed: executed.changed,
          requestIds: executed.requestIds,
          transient: true,
        };
  } catch (error) {
    const failure = classifyFailure(error);
    deps.log.warn(
      { incidentId: row.incidentId, actionId: row.id, code: failure.code, status: failure.status },
      "action failed",
    );
    return {
      // A transient failure waits for the job's retry: a run that ends meanwhile (another worker's, or
      // the reconciler's) must not take it for a final one and settle the incident as partial.
      state: failure.transient ? "waiting" : "failed",
      outcome: failure.transient
        ? `waiting to retry: ${failure.code} (${failure.message})`
        : `failed: ${remedyFor(failure, responder.permission)}`,
      ...(failure.requestId === undefined ? {} : { requestIds: [failure.requestId] }),
      transient: failure.transient,
    };
  }
}

/** Once no action is left to run, the incident's state says how containment ended. */
async function settleIncident(
  deps: ContainmentDeps,
  incidentId: string,
  automatic: boolean,
  decided?: ReadonlySet<string>,
): Promise<IncidentRow | undefined> {
  // Actions planned after the decision are not this run's to wait for: triage asks about them next.
  const rows = (await actionsOf(deps.db, incidentId)).filter(
    (r) => decided === undefined || decided.has(r.id) || r.state !== "planned",
  );
  if (rows.some((r) => r.state === "running" || r.state === "planned" || r.state === "waiting"))
    return getIncident(deps.db, incidentId);
  const acted = rows.filter((r) => r.state !== "skipped");
  const done = acted.filter((r) => r.state === "done").length;
  const failed = acted.filter((r) => r.state === "failed").length;
  if (deps.dryRun) {
    await appendAudit(deps.db, {
      incidentId,
      action: "dry-run",
      detail: { would: rows.map((r) => r.outcome) },
    });
    return getIncident(deps.db, incidentId);
  }
  const to: IncidentState =
    failed === 0 ? (automatic ? "auto-contained" : "contained") : done === 0 ? "failed" : "partial";
  const moved = await transitionIncident(deps.db, incidentId, ["executing", "approved"], to, {
    action: "containment-finished",
    actorName: automatic ? "automatic containment" : "containment",
    detail: { done, failed, skipped: rows.length - acted.length },
  });
  return moved ?? getIncident(deps.db, incidentId);
}

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

function outcomeOf(row: ActionRow): ActionOutcome {
  return {
    id: row.id,
    action: row.action as ActionName,
    target: targetOf(row).label,
    state: row.state,
    outcome: row.outcome,
  };
}

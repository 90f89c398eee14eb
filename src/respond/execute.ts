import { classifyFailure, remedyFor } from "../cloud/errors.js";
import {
  type ActionRow,
  actionsOf,
  claimAction,
  finishAction,
  recordAttemptPlan,
} from "../store/actions-repo.js";
import {
  appendAudit,
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import {
  type ActionOutcome,
  type ContainmentDeps,
  type Decider,
  outcomeOf,
  targetOf,
  userIdOf,
} from "./containment.js";
import { RESPONDERS } from "./responders/index.js";
import { type ActionName, type ActionPlan, AdministratorStepRequired } from "./types.js";

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
    // An action waiting for an administrator is tried again too: a retry is also "check it now".
    if (!["planned", "waiting", "failed", "running", "awaiting-admin"].includes(row.state)) continue;
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
    // What holds but enforces nothing (a report-only policy) is done, and says so: settle does not count
    // it as containment.
    const notEnforced = typeof plan.data["notEnforced"] === "string" ? plan.data["notEnforced"] : undefined;
    const enforcement = notEnforced === undefined ? {} : { enforced: false };
    const prefix = notEnforced === undefined ? "" : `NOT ENFORCED: ${notEnforced}; `;
    if (!plan.needed) {
      // Asked of an administrator before, and now in place: their change, recorded with who and when and
      // what undo needs, as the administrator-steps job records it.
      const earlier = row.plan as unknown as ActionPlan;
      const asked =
        row.changed?.["administratorSteps"] !== undefined && responder.byAdministrator !== undefined;
      const byAdministrator = asked
        ? await responder.byAdministrator?.done(deps.ctx, target, earlier)
        : undefined;
      // In place, but not as asked (a block that exempts someone the plan did not): still asked.
      if (asked && byAdministrator === undefined)
        return {
          state: "awaiting-admin",
          outcome: row.outcome ?? "waiting for a Global Administrator",
          transient: false,
        };
      if (byAdministrator !== undefined) {
        const before = earlier.data["before"];
        return {
          state: "done",
          outcome: `done by ${byAdministrator.by} at ${byAdministrator.at}: ${earlier.changes.join("; ")}`,
          changed: {
            ...(before === undefined ? {} : { before }),
            appliedBy: byAdministrator.by,
            appliedAt: byAdministrator.at,
          },
          transient: false,
        };
      }
    }
    if (!plan.needed)
      return {
        state: "done",
        outcome: `${prefix}already in place: ${plan.changes.join("; ")}`,
        // Merged with what an earlier attempt recorded it changed: undo still needs it.
        ...(notEnforced === undefined ? {} : { changed: { ...(row.changed ?? {}), ...enforcement } }),
        transient: false,
      };
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
          outcome: `${prefix}${said}`,
          changed: { ...executed.changed, ...enforcement },
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
    if (error instanceof AdministratorStepRequired) {
      // Not a failure: Microsoft leaves this change to a person. The card shows the steps; the
      // administrator-steps job checks the tenant until it shows the change (administrator-steps.ts).
      return {
        state: "awaiting-admin",
        outcome: `waiting for a Global Administrator: ${error.reason}`,
        changed: { administratorSteps: error.steps },
        transient: false,
      };
    }
    const failure = classifyFailure(error);
    // A transient failure (throttled, Entra's replication lag) is retried by the job: worth a line, not a warning.
    deps.log[failure.transient ? "info" : "warn"](
      {
        tenantId: row.tenantId,
        incidentId: row.incidentId,
        actionId: row.id,
        code: failure.code,
        status: failure.status,
      },
      failure.transient ? "action waits to retry" : "action failed",
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

/**
 * Once no action is left to run, the incident's state says how containment ended. An action waiting for
 * an administrator is not containment: the incident is partial until the tenant shows it done, when the
 * administrator-steps job settles it again (from partial).
 */
export async function settleIncident(
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
  // Done but enforcing nothing (a report-only policy): the incident is not contained on its strength.
  const notEnforced = acted.filter((r) => r.state === "done" && r.changed?.["enforced"] === false).length;
  const awaiting = acted.filter((r) => r.state === "awaiting-admin").length;
  if (deps.dryRun) {
    await appendAudit(deps.db, {
      incidentId,
      action: "dry-run",
      detail: { would: rows.map((r) => r.outcome) },
    });
    return getIncident(deps.db, incidentId);
  }
  const to: IncidentState =
    failed + notEnforced + awaiting === 0
      ? automatic
        ? "auto-contained"
        : "contained"
      : done + awaiting === 0
        ? "failed"
        : "partial";
  // Already there (an administrator's step recorded while other actions still failed): nothing moves.
  const current = await getIncident(deps.db, incidentId);
  if (current?.state === to) return current;
  const moved = await transitionIncident(deps.db, incidentId, ["executing", "approved", "partial"], to, {
    action: "containment-finished",
    actorName: automatic ? "automatic containment" : "containment",
    detail: {
      done,
      failed,
      skipped: rows.length - acted.length,
      ...(notEnforced === 0 ? {} : { notEnforced }),
      ...(awaiting === 0 ? {} : { awaitingAdministrator: awaiting }),
    },
  });
  return moved ?? getIncident(deps.db, incidentId);
}

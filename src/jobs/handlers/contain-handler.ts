import type { Logger } from "../../log.js";
import { decisionToContained } from "../../metrics/process-metrics.js";
import { executeContainment } from "../../respond/execute.js";
import { CONTAINABLE_STATES, UNDOABLE_STATES } from "../../respond/lifecycle.js";
import { containDecision, type DecisionCheck, undoDecision } from "../../respond/recorded-decision.js";
import { undoContainment } from "../../respond/undo.js";
import type { WorkflowDeps } from "../../respond/workflow.js";
import { DEFAULT_ACTION_LEASE_MS } from "../../store/actions-repo.js";
import { getIncident, transitionIncident } from "../../store/incidents-repo.js";
import type { JobContext } from "../by-name.js";
import { checkAdministratorStepsLater, enqueue, JOBS } from "../catalogue.js";
import { type Job, type JobQueue, RetryLater } from "../queue/job-queue.js";

/**
 * `contain` runs an incident's approved or automatic actions; `undo` reverts them. A job only says which
 * incident: who decided, and what, is read from the incident's audit trail (src/respond/recorded-decision.ts),
 * and a job the trail holds no decision for is refused, logged as a security warning, and changes nothing
 * (anyone who can write to the queue can write a job). A transient failure (throttling, an outage) is
 * retried with the job; the card is refreshed after each run.
 */
export function containHandler(
  deps: WorkflowDeps,
  queue: JobQueue,
  /** Tells the channel the incident changed (queues its card); a no-op without a bot. */
  announce: (incidentId: string) => Promise<void>,
  /** How soon a run with actions waiting to retry comes back (WARDEN_RETRY_BASE_SECONDS). */
  retryMs = 2_000,
  /** How often the tenant is read for a step asked of a person (WARDEN_ADMIN_RECHECK_SECONDS). */
  adminRecheckMs = 60_000,
) {
  /** A run that left a step to a person: the tenant is read for it until it shows it taken. */
  const watchForAdministrator = async (incidentId: string, states: readonly string[]) => {
    if (states.includes("awaiting-admin") || states.includes("undo-awaiting-admin"))
      await checkAdministratorStepsLater(queue, incidentId, adminRecheckMs, deps.now());
  };
  /** Logs a job that asked for a change nobody decided on: someone wrote to the queue who should not have. */
  const refuse = (log: Logger, job: Job, reason: string) =>
    log.warn(
      { security: true, reason },
      `refused a ${job.name} job with no recorded decision: nothing was changed (jobs come from Warden's own workflow only; check who can write to the queue)`,
    );
  /** Registered for `contain` and `undo` (src/jobs/by-name.ts refuses any other name). */
  return async (job: Job, context: JobContext): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const incident = await getIncident(deps.db, incidentId);
    if (incident === undefined) return;
    const log = context.log.child({ tenantId: incident.tenantId });
    const applies = job.name === "undo" ? UNDOABLE_STATES : CONTAINABLE_STATES;
    const movedOn = async () =>
      !applies.includes((await getIncident(deps.db, incidentId))?.state ?? "merged");
    if (await movedOn()) {
      // A late or repeated job for an incident that moved on (contained, reverted): nothing to do.
      log.info({ state: incident.state }, `${job.name} skipped: the incident moved on`);
      return;
    }
    const check: DecisionCheck =
      job.name === "undo" ? await undoDecision(deps.db, incident) : await containDecision(deps.db, incident);
    if (!check.ok) {
      // A run that finished meanwhile (a double click's second job) is no attack: only say it moved on.
      if (await movedOn()) log.info(`${job.name} skipped: the incident moved on`);
      else refuse(log, job, check.reason);
      return;
    }
    const { by, actionIds, at: decidedAt } = check.decision;
    if (job.name === "undo") {
      const result = await undoContainment(deps, incidentId, by);
      log.info({ state: result.incident?.state }, "undone");
      await watchForAdministrator(
        incidentId,
        result.outcomes.map((o) => o.state),
      );
    } else {
      if (incident.state === "approved") {
        await transitionIncident(deps.db, incidentId, ["approved"], "executing", {
          action: "executing",
          ...(by.kind === "approver" ? { actorId: by.id, actorName: by.name } : {}),
        });
      }
      const result = await executeContainment(deps, incidentId, by, actionIds);
      const finalState = result.incident?.state;
      if (finalState === "contained" || finalState === "auto-contained") {
        decisionToContained.observe({ decided_by: by.kind }, Math.max(0, deps.now() - decidedAt) / 1_000);
      }
      log.info(
        {
          state: result.incident?.state,
          outcomes: result.outcomes.map((o) => `${o.action}:${o.state}`),
        },
        "contained",
      );
      // The card shows each run's outcome, including "waiting to retry".
      await announce(incidentId);
      await watchForAdministrator(
        incidentId,
        result.outcomes.map((o) => o.state),
      );
      if (result.transient) throw new RetryLater("some actions wait to be retried", retryMs);
      if (result.incident?.state === "executing") {
        // Another worker holds an action (or one was left by a crashed worker): come back after its lease.
        throw new RetryLater("actions held by another worker", deps.actionLeaseMs ?? DEFAULT_ACTION_LEASE_MS);
      }
      // Actions planned after the decision (the incident grew meanwhile) need one of their own.
      if (result.outcomes.some((o) => o.state === "planned")) {
        await enqueue(queue, JOBS.triage, { tenantId: incident.tenantId, incidentId });
      }
      return;
    }
    await announce(incidentId);
  };
}

import type { Logger } from "../../log.js";
import { decisionToContained } from "../../metrics/process-metrics.js";
import { type Decider, executeContainment, undoContainment } from "../../respond/containment.js";
import type { WorkflowDeps } from "../../respond/workflow.js";
import { DEFAULT_ACTION_LEASE_MS } from "../../store/actions-repo.js";
import { auditTrail, getIncident, transitionIncident } from "../../store/incidents-repo.js";
import { type Job, type JobQueue, RetryLater } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

/**
 * `contain` runs an incident's approved or automatic actions; `undo` reverts them. Who decided is read
 * from the incident's audit trail, never from the job. A transient failure (throttling, an outage) is
 * retried with the job; the card is refreshed after each run.
 */
export function containHandler(
  deps: WorkflowDeps,
  queue: JobQueue,
  log: Logger,
  /** Tells the channel the incident changed (queues its card); a no-op without a bot. */
  announce: (incidentId: string) => Promise<void>,
  /** How soon a run with actions waiting to retry comes back (WARDEN_RETRY_BASE_SECONDS). */
  retryMs = 2_000,
) {
  return async (job: Job): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const incident = await getIncident(deps.db, incidentId);
    if (incident === undefined) return;
    const { by, actionIds, at: decidedAt } = await decisionOf(deps, incidentId);
    if (job.name === "undo") {
      const result = await undoContainment(deps, incidentId, by);
      log.info(
        { tenantId: incident.tenantId, incidentId, jobId: job.id, state: result.incident?.state },
        "undone",
      );
    } else {
      if (incident.state === "approved") {
        await transitionIncident(deps.db, incidentId, ["approved"], "executing", {
          action: "executing",
          ...(by.kind === "approver" ? { actorId: by.id, actorName: by.name } : {}),
        });
      } else if (incident.state !== "executing") {
        log.info({ incidentId, state: incident.state }, "contain skipped: the incident is not approved");
        return;
      }
      const result = await executeContainment(deps, incidentId, by, actionIds);
      const finalState = result.incident?.state;
      if ((finalState === "contained" || finalState === "auto-contained") && decidedAt !== undefined) {
        decisionToContained.observe({ decided_by: by.kind }, Math.max(0, deps.now() - decidedAt) / 1_000);
      }
      log.info(
        {
          tenantId: incident.tenantId,
          incidentId,
          jobId: job.id,
          state: result.incident?.state,
          outcomes: result.outcomes.map((o) => `${o.action}:${o.state}`),
        },
        "contained",
      );
      // The card shows each run's outcome, including "waiting to retry".
      await announce(incidentId);
      if (result.transient) throw new RetryLater("some actions wait to be retried", retryMs);
      if (result.incident?.state === "executing") {
        // Another worker holds an action (or one was left by a crashed worker): come back after its lease.
        throw new RetryLater("actions held by another worker", deps.actionLeaseMs ?? DEFAULT_ACTION_LEASE_MS);
      }
      // Actions planned after the decision (the incident grew meanwhile) need one of their own.
      if (result.outcomes.some((o) => o.state === "planned")) {
        await queue.add(
          QUEUE.triage,
          "triage",
          { tenantId: incident.tenantId, incidentId },
          { dedupeKey: `triage:${incidentId}` },
        );
      }
      return;
    }
    await announce(incidentId);
  };
}

/**
 * The latest decision on the incident, from its audit trail: who (an approver or the automatic policy)
 * and which actions it covered.
 */
async function decisionOf(
  deps: WorkflowDeps,
  incidentId: string,
): Promise<{ by: Decider; actionIds?: ReadonlySet<string>; at?: number }> {
  const trail = await auditTrail(deps.db, incidentId);
  for (const entry of [...trail].reverse()) {
    const listed = entry.detail?.["actions"];
    const actionIds = Array.isArray(listed) ? new Set(listed.map(String)) : undefined;
    const covered = { ...(actionIds === undefined ? {} : { actionIds }), at: entry.at };
    if (entry.action === "auto-contain") return { by: { kind: "automatic" }, ...covered };
    if ((entry.action === "approved" || entry.action === "undo-requested") && entry.actorId !== undefined) {
      return {
        by: { kind: "approver", id: entry.actorId, name: entry.actorName ?? entry.actorId },
        ...covered,
      };
    }
  }
  return { by: { kind: "automatic" } };
}

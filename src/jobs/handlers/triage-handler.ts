import type { Logger } from "../../log.js";
import { triageIncident, type WorkflowDeps } from "../../respond/workflow.js";
import { enqueue, JOBS } from "../catalogue.js";
import type { Job, JobQueue } from "../queue/job-queue.js";

/** `triage`: plans a new or grown incident's containment and either queues it (automatic) or asks. */
export function triageHandler(
  deps: WorkflowDeps,
  queue: JobQueue,
  log: Logger,
  /** Tells the channel the incident changed (queues its card); a no-op without a bot. */
  announce: (incidentId: string) => Promise<void>,
) {
  return async (job: Job): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const result = await triageIncident(deps, incidentId);
    const fields = {
      tenantId: result.incident?.tenantId,
      incidentId,
      jobId: job.id,
      outcome: result.outcome,
    };
    if (result.outcome === "auto") {
      await enqueue(queue, JOBS.contain, { incidentId, automatic: true });
    }
    if (result.outcome !== "unchanged") {
      await announce(incidentId);
    }
    log.info({ ...fields, ...(result.outcome === "pending" ? { reason: result.reason } : {}) }, "triaged");
  };
}

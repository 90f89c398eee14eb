import type { Logger } from "../../log.js";
import { triageIncident, type WorkflowDeps } from "../../respond/workflow.js";
import type { Job, JobQueue } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

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
      await queue.add(
        QUEUE.contain,
        "contain",
        { incidentId, automatic: true },
        { dedupeKey: `contain:${incidentId}` },
      );
    }
    if (result.outcome !== "unchanged") {
      await announce(incidentId);
    }
    log.info({ ...fields, ...(result.outcome === "pending" ? { reason: result.reason } : {}) }, "triaged");
  };
}

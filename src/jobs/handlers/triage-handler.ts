import { triageIncident, type WorkflowDeps } from "../../respond/workflow.js";
import type { JobContext } from "../by-name.js";
import { enqueue, JOBS } from "../catalogue.js";
import type { Job, JobQueue } from "../queue/job-queue.js";

/** `triage`: plans a new or grown incident's containment and either queues it (automatic) or asks. */
export function triageHandler(
  deps: WorkflowDeps,
  queue: JobQueue,
  /** Tells the channel the incident changed (queues its card); a no-op without a bot. */
  announce: (incidentId: string) => Promise<void>,
) {
  return async (job: Job, { log }: JobContext): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const result = await triageIncident(deps, incidentId);
    if (result.outcome === "auto") {
      await enqueue(queue, JOBS.contain, { incidentId, automatic: true });
    }
    if (result.outcome !== "unchanged") {
      await announce(incidentId);
    }
    log.info(
      { outcome: result.outcome, ...(result.outcome === "pending" ? { reason: result.reason } : {}) },
      "triaged",
    );
  };
}

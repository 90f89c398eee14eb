import { decisionToContained } from "../../metrics/process-metrics.js";
import { checkAdministratorSteps } from "../../respond/administrator-steps.js";
import type { WorkflowDeps } from "../../respond/workflow.js";
import { auditTrail } from "../../store/incidents-repo.js";
import type { JobContext } from "../by-name.js";
import { checkAdministratorStepsLater } from "../catalogue.js";
import type { Job, JobQueue } from "../queue/job-queue.js";

/**
 * `administrator-steps`: reads the tenant for what an incident's actions asked of a person, records what
 * it shows taken, refreshes the card, and comes back after `everyMs` while anything still waits. It reads
 * and records only: a job nobody in Warden asked for changes nothing in the tenant.
 */
export function administratorStepsHandler(
  deps: WorkflowDeps,
  queue: JobQueue,
  announce: (incidentId: string) => Promise<void>,
  everyMs: number,
) {
  return async (job: Job, context: JobContext): Promise<void> => {
    const incidentId = String(job.data["incidentId"]);
    const result = await checkAdministratorSteps(deps, incidentId);
    const incident = result.incident;
    const log = incident === undefined ? context.log : context.log.child({ tenantId: incident.tenantId });
    if (result.taken > 0) {
      log.info({ taken: result.taken, state: incident?.state }, "an administrator took the steps asked");
      // The last step of a containment taken: from the decision to contained, the person's time included
      // (only when this check moved it there, so each containment is counted once).
      if (
        incident !== undefined &&
        (result.settledTo === "contained" || result.settledTo === "auto-contained")
      ) {
        const decided = (await auditTrail(deps.db, incidentId)).findLast(
          (e) => (e.action === "approved" || e.action === "auto-contain") && e.toState !== undefined,
        );
        if (decided !== undefined) {
          const by = decided.action === "approved" ? "approver" : "automatic";
          decisionToContained.observe({ decided_by: by }, Math.max(0, deps.now() - decided.at) / 1_000);
        }
      }
      await announce(incidentId);
    }
    if (result.waiting > 0) await checkAdministratorStepsLater(queue, incidentId, everyMs, deps.now());
  };
}

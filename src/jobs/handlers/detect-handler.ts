import type { DetectConfig } from "../../detect/detect-config.js";
import { findingsRaised } from "../../metrics/process-metrics.js";
import type { Database } from "../../store/database.js";
import type { JobContext } from "../by-name.js";
import { enqueue, JOBS } from "../catalogue.js";
import { type Job, type JobQueue, RetryLater } from "../queue/job-queue.js";
import { TenantDetector } from "../tenant-detector.js";

/**
 * `detect`: runs the tenant's detector over new events and queues triage for each new or grown incident.
 * One detector per tenant lives in each worker process; the store's lock makes them take turns.
 */
export function detectHandler(
  db: Database,
  config: DetectConfig | (() => Promise<DetectConfig>),
  queue: JobQueue,
  trustedRanges?: () => Promise<readonly string[]>,
  /** Renders an incident's card again at its version (queues it); a no-op without a bot. */
  refreshCard: (incidentId: string) => Promise<void> = async () => {},
) {
  const detectors = new Map<string, TenantDetector>();
  return async (job: Job, { log }: JobContext): Promise<void> => {
    const tenantId = String(job.data["tenantId"]);
    let detector = detectors.get(tenantId);
    if (detector === undefined) {
      detector = new TenantDetector(
        db,
        tenantId,
        typeof config === "function" ? await config() : config,
        trustedRanges,
      );
      detectors.set(tenantId, detector);
    }
    const run = await detector.run();
    if (!run.ran) throw new RetryLater(`detection for ${tenantId} is running in another process`, 500);
    for (const rule of run.newRules) findingsRaised.inc({ rule });
    for (const incidentId of run.incidents) {
      await enqueue(queue, JOBS.triage, { tenantId, incidentId });
    }
    // An alert changes what the card shows, never what was decided: no triage (an alert alone never
    // starts containment, nor tips a waiting incident into automatic containment).
    for (const incidentId of run.alerted) await refreshCard(incidentId);
    log.info({ newFindings: run.newFindings, incidents: run.incidents, alerted: run.alerted }, "detected");
  };
}

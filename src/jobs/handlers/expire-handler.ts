import type { ApprovalPolicy } from "../../config/containment.js";
import { expireStale } from "../../respond/expiry.js";
import type { Database } from "../../store/database.js";
import type { JobContext } from "../by-name.js";
import type { Job } from "../queue/job-queue.js";

/** `expire`: incidents left waiting past their severity's deadline expire, and their cards say so. */
export function expireHandler(
  db: Database,
  tenantId: string,
  policy: ApprovalPolicy,
  announce: (incidentId: string) => Promise<void>,
  now: () => number = Date.now,
) {
  return async (_job: Job, { log }: JobContext): Promise<void> => {
    for (const id of await expireStale(db, tenantId, policy, now())) {
      log.info({ incidentId: id }, "incident expired: no decision in time");
      await announce(id);
    }
  };
}

import type { ApprovalPolicy } from "../../config/containment.js";
import type { Logger } from "../../log.js";
import { expireStale } from "../../respond/expiry.js";
import type { Database } from "../../store/database.js";

/** `expire`: incidents left waiting past their severity's deadline expire, and their cards say so. */
export function expireHandler(
  db: Database,
  tenantId: string,
  policy: ApprovalPolicy,
  log: Logger,
  announce: (incidentId: string) => Promise<void>,
  now: () => number = Date.now,
) {
  return async (): Promise<void> => {
    for (const id of await expireStale(db, tenantId, policy, now())) {
      log.info({ tenantId, incidentId: id }, "incident expired: no decision in time");
      await announce(id);
    }
  };
}

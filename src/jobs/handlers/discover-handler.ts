import type { ArmActivity } from "../../cloud/arm-activity.js";
import type { Logger } from "../../log.js";
import type { JobQueue } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

/**
 * `discover`: lists the tenant's subscriptions and keeps one activity-log poller per subscription.
 * Re-run on a schedule, so a subscription an attacker creates is watched from its next discovery on
 * (its creation itself is in the tenant-level log, which is always polled).
 */
export function discoverHandler(
  arm: ArmActivity,
  queue: JobQueue,
  tenantId: string,
  pollEveryMs: number,
  log: Logger,
) {
  return async (): Promise<void> => {
    const subscriptions = await arm.subscriptions();
    for (const s of subscriptions) {
      await queue.repeat(
        QUEUE.poll,
        `poll:${tenantId}:activity:${s.subscriptionId}`,
        "poll",
        { tenantId, source: "activity", scope: s.subscriptionId },
        pollEveryMs,
      );
    }
    log.info({ tenantId, subscriptions: subscriptions.length }, "subscriptions discovered");
  };
}

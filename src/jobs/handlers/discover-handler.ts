import type { ArmActivity } from "../../cloud/arm-activity.js";
import type { Logger } from "../../log.js";
import { sourceFromJob } from "../pollers/sources.js";
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
    const prefix = `poll:${tenantId}:activity:`;
    const current = new Set<string>();
    for (const s of subscriptions) {
      const key = `${prefix}${s.subscriptionId}`;
      current.add(key);
      await queue.repeat(
        QUEUE.poll,
        key,
        "poll",
        { tenantId, source: "activity", scope: s.subscriptionId },
        pollEveryMs,
      );
    }
    // A subscription that left the directory (moved to another tenant, or deleted) can no longer be read:
    // stop polling it rather than fail every interval. Its watermark stays, so polling resumes where it
    // stopped if it comes back. Its last records (the move itself) were read while it was still here, or
    // are in the tenant-level log.
    for (const key of await queue.repeats(QUEUE.poll)) {
      // Subscription pollers only: the tenant-level activity log's poller (scope "tenant") stays.
      if (!key.startsWith(prefix) || current.has(key)) continue;
      if (sourceFromJob("activity", key.slice(prefix.length))?.kind !== "activity") continue;
      await queue.unrepeat(QUEUE.poll, key);
      log.warn(
        { tenantId, subscriptionId: key.slice(prefix.length) },
        "a subscription left the directory: its activity log is no longer polled",
      );
    }
    log.info({ tenantId, subscriptions: subscriptions.length }, "subscriptions discovered");
  };
}

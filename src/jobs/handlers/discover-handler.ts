import type { ArmActivity } from "../../cloud/arm-activity.js";
import { classifyFailure } from "../../cloud/errors.js";
import { subscriptionGone } from "../../detect/observations.js";
import type { Logger } from "../../log.js";
import type { Database } from "../../store/database.js";
import { storeEvents } from "../../store/events-repo.js";
import { readWatermark } from "../../store/watermarks-repo.js";
import type { JobContext } from "../by-name.js";
import { enqueue, JOBS } from "../catalogue.js";
import { sourceFromJob } from "../pollers/sources.js";
import type { Job, JobQueue } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

export interface DiscoverDeps {
  arm: ArmActivity;
  db: Database;
  queue: JobQueue;
  tenantId: string;
  pollEveryMs: number;
  now: () => number;
}

/**
 * `discover`: lists the tenant's subscriptions and keeps one activity-log poller per subscription.
 * Re-run on a schedule, so a subscription an attacker creates is watched from its next discovery on
 * (its creation itself is in the tenant-level log, which is always polled), and at once when a poll finds
 * its subscription gone.
 */
export function discoverHandler(deps: DiscoverDeps) {
  const { arm, db, queue, tenantId } = deps;
  return async (_job: Job, { log }: JobContext): Promise<void> => {
    try {
      await discover(log);
    } catch (error) {
      // The queue retries; the log says why each attempt failed.
      log.warn({ err: (error as Error).message }, "discovery failed");
      throw error;
    }
  };

  async function discover(log: Logger): Promise<void> {
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
        deps.pollEveryMs,
      );
    }
    // A subscription that left the directory (moved to another tenant, or Warden's access removed) can no
    // longer be read. Its move's own record is in its own log, often minutes late: it may never be read.
    // So the departure is stored as an event Warden observed, and detected like any other; then the
    // poller ends rather than fail every interval. Its watermark stays: polling resumes where it stopped
    // if it comes back.
    const departed: string[] = [];
    for (const key of await queue.repeats(QUEUE.poll)) {
      // Subscription pollers only: the tenant-level activity log's poller (scope "tenant") stays.
      if (!key.startsWith(prefix) || current.has(key)) continue;
      const source = sourceFromJob("activity", key.slice(prefix.length));
      if (source?.kind !== "activity") continue;
      if (!(await refusesItsLog(arm, source.subscriptionId, deps.now()))) {
        // Missing from one listing but its log still answers: a listing glitch, not a departure.
        log.warn(
          { subscriptionId: source.subscriptionId },
          "a subscription is missing from the listing but its activity log still answers: kept",
        );
        continue;
      }
      const lastRead = await readWatermark(db, tenantId, "activity", source.subscriptionId);
      await storeEvents(db, [
        subscriptionGone(tenantId, source.subscriptionId, lastRead?.getTime(), deps.now()),
      ]);
      departed.push(key);
    }
    if (departed.length > 0) {
      // Detection first, so the observation is detected even if ending a poller fails and this job retries.
      await enqueue(queue, JOBS.detect, { tenantId });
    }
    for (const key of departed) {
      await queue.unrepeat(QUEUE.poll, key);
      log.warn(
        { subscriptionId: key.slice(prefix.length) },
        "a subscription left the directory: its activity log is no longer polled, and its departure is detected",
      );
    }
    log.info({ subscriptions: subscriptions.length }, "subscriptions discovered");
  }
}

/** Refusals that say the tenant cannot read this subscription any more (another tenant's, or access removed). */
const GONE_STATUSES = new Set([401, 403, 404]);

/**
 * Whether the subscription's activity log refuses Warden: ARM answers 404 (SubscriptionNotFound) or 401
 * (InvalidAuthenticationTokenTenant) once a subscription is in another directory, 403 once Warden's role
 * on it is removed. A departure is recorded only when the listing and the log agree; any other failure
 * throws, and discovery runs again.
 */
async function refusesItsLog(arm: ArmActivity, subscriptionId: string, now: number): Promise<boolean> {
  try {
    for await (const _page of arm.events(subscriptionId, new Date(now - 60_000), new Date(now))) break;
    return false;
  } catch (error) {
    const failure = classifyFailure(error);
    if (failure.status !== undefined && GONE_STATUSES.has(failure.status)) return true;
    throw error;
  }
}

import type { ArmActivity } from "../../cloud/arm-activity.js";
import { classifyFailure, remedyFor } from "../../cloud/errors.js";
import type { GraphDirectory } from "../../cloud/graph-directory.js";
import { subscriptionGone } from "../../detect/observations.js";
import type { Logger } from "../../log.js";
import type { Database } from "../../store/database.js";
import { storeEvents } from "../../store/events-repo.js";
import { saveDisplayNames } from "../../store/names-repo.js";
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
  /**
   * Graph, to read the tenant's own name for the cards; without it (tests of the pollers alone) only the
   * subscriptions' names are kept.
   */
  directory?: Pick<GraphDirectory, "organization">;
}

/**
 * `discover`: lists the tenant's subscriptions and keeps one activity-log poller per subscription.
 * Re-run on a schedule, so a subscription an attacker creates is watched from its next discovery on
 * (its creation itself is in the tenant-level log, which is always polled), and at once when a poll finds
 * its subscription gone. It also keeps the names of the subscriptions and of the tenant for the cards
 * (store/names-repo.ts), read here rather than when a card is drawn.
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
    // Names first, so a card about a subscription met in this listing can name it; a subscription that
    // leaves later keeps the name kept now. Names are cosmetic: failing to keep them never stops the pollers.
    await keepingNames(log, "the subscriptions' names", "Reader on the subscriptions", () =>
      saveDisplayNames(
        db,
        tenantId,
        subscriptions.map((s) => ({ id: s.subscriptionId, kind: "subscription", name: s.displayName })),
        deps.now(),
      ),
    );
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
    // Last, so a slow or refused Graph delays no poller.
    if (deps.directory !== undefined) {
      const graph = deps.directory;
      await keepingNames(log, "the tenant's name", "Organization.Read.All or Directory.Read.All", () =>
        keepTenantName(graph, log),
      );
    }
    log.info({ subscriptions: subscriptions.length }, "subscriptions discovered");
  }

  /** The tenant's name, read once a discovery ("List organizations"), kept under the tenant's own id. */
  async function keepTenantName(graph: Pick<GraphDirectory, "organization">, log: Logger): Promise<void> {
    const organization = await graph.organization();
    if (organization === undefined || organization.id.toLowerCase() !== tenantId.toLowerCase()) {
      // Graph lists the organization of the token's tenant: another one would be a wrong configuration,
      // and its name must not be shown as this tenant's.
      log.warn({ organizationId: organization?.id }, "Graph listed no organization for this tenant");
      return;
    }
    await saveDisplayNames(
      db,
      tenantId,
      [{ id: tenantId, kind: "tenant", name: organization.displayName ?? "" }],
      deps.now(),
    );
  }
}

/**
 * Runs `work`, which reads and keeps names; its failure (a refusal by Microsoft, or the store's) is logged
 * with what would fix it, and the discovery goes on: the names kept before stay.
 */
async function keepingNames(
  log: Logger,
  what: string,
  permission: string,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const failure = classifyFailure(error);
    log.warn(
      {
        err: failure.message,
        status: failure.status,
        code: failure.code,
        ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
        remedy: remedyFor(failure, permission),
      },
      `${what} could not be read or kept: the names kept before stay, and discovery goes on`,
    );
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

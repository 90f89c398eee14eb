import { mkdirSync } from "node:fs";
import { botTokenCheck } from "./bot/adapter.js";
import { botConfigured, createBot } from "./bot/index.js";
import { ArmActivity } from "./cloud/arm-activity.js";
import { AzureRbac } from "./cloud/arm-rbac.js";
import { credentialFor } from "./cloud/credential.js";
import { GraphDirectory } from "./cloud/graph-directory.js";
import { GraphLogs } from "./cloud/graph-logs.js";
import { RateLimiter } from "./cloud/rate-limiter.js";
import { RedisRateLimiter } from "./cloud/redis-rate-limiter.js";
import { graphScopeFor } from "./cloud/scopes.js";
import { SubscriptionPolicy } from "./cloud/subscription-policy.js";
import { identityFromToken } from "./cloud/token-identity.js";
import { ConfigError, type WardenConfig } from "./config/index.js";
import { loadSeedQueries } from "./hunting/seed-queries.js";
import { byName } from "./jobs/by-name.js";
import { enqueue, JOBS } from "./jobs/catalogue.js";
import { administratorStepsHandler } from "./jobs/handlers/administrator-steps-handler.js";
import { containHandler } from "./jobs/handlers/contain-handler.js";
import { detectHandler } from "./jobs/handlers/detect-handler.js";
import { discoverHandler } from "./jobs/handlers/discover-handler.js";
import { expireHandler } from "./jobs/handlers/expire-handler.js";
import { pollHandler } from "./jobs/handlers/poll-handler.js";
import { postureHandler } from "./jobs/handlers/posture-handler.js";
import { reconcileHandler } from "./jobs/handlers/reconcile-handler.js";
import { retentionHandler } from "./jobs/handlers/retention-handler.js";
import { triageHandler } from "./jobs/handlers/triage-handler.js";
import { liveDetectConfig, trustedRangesReader, withOwnServicePrincipal } from "./jobs/live-detect-config.js";
import { pollSources, sourceKey } from "./jobs/pollers/sources.js";
import { BullMqQueue } from "./jobs/queue/bullmq-queue.js";
import { InProcessQueue } from "./jobs/queue/in-process-queue.js";
import type { JobQueue } from "./jobs/queue/job-queue.js";
import { refuseEvictingRedis } from "./jobs/queue/redis-eviction.js";
import { QUEUE } from "./jobs/queues.js";
import type { Logger } from "./log.js";
import { runPosture } from "./posture/run-posture.js";
import { Guard } from "./respond/guard.js";
import { UnknownProtectedUser } from "./respond/protected-users.js";
import type { RespondContext } from "./respond/types.js";
import { refuseSimulatorTrustOffLoopback } from "./simulator-trust.js";
import { containmentObjectsIn } from "./store/containment-objects-repo.js";
import type { Database } from "./store/database.js";
import { migrate } from "./store/migrate.js";
import { openPglite } from "./store/pglite.js";
import { openPostgres } from "./store/postgres.js";
import { postureDeps, type Warden, workflowDeps } from "./warden.js";

export type { Warden } from "./warden.js";
export { workflowDeps } from "./warden.js";

/**
 * The composition root: the only place that decides which store, queue and clients a process uses.
 * Production: Postgres and BullMQ on Redis, any number of `warden worker` processes. Embedded (no
 * DATABASE_URL, no REDIS_URL): PGlite in a local folder and the in-process queue.
 */

export async function openWarden(
  config: WardenConfig,
  log: Logger,
  now: () => number = Date.now,
): Promise<Warden> {
  const { runtime } = config;
  if (runtime.tenantId === undefined)
    throw new ConfigError("WARDEN_TENANT_ID is required: the GUID of the tenant to watch");
  refuseSimulatorTrustOffLoopback(runtime);
  const tenantId = runtime.tenantId;
  // Redis must keep every key; and whether it is a cluster decides how Warden connects and names its keys.
  const redis =
    runtime.redisUrl === undefined
      ? undefined
      : await refuseEvictingRedis(runtime.redisUrl, log, runtime.redisCluster);
  const credential = credentialFor(tenantId, runtime);
  // With Redis, one limiter for every Warden process: Microsoft counts its limits per app and tenant (or
  // per tenant for all apps), never per process (issue 18, point 7). Embedded, the process is all there is.
  const limiter =
    redis === undefined
      ? new RateLimiter(now, runtime.requestTimeoutMs)
      : new RedisRateLimiter(redis, runtime.queuePrefix, runtime.requestTimeoutMs, (alone, why) =>
          alone
            ? log.warn({ why }, "rate limits: Redis unreachable, this process paces itself alone meanwhile")
            : log.info("rate limits: shared through Redis again"),
        );
  const directory = new GraphDirectory(credential, runtime.endpoints.graph, tenantId, limiter);
  const guard = new Guard(config.containment.protected, directory);
  await resolveProtectedUsers(guard, log);
  let db: Database;
  if (runtime.databaseUrl !== undefined) {
    db = await openPostgres(runtime.databaseUrl, {
      onIdleError: (error) => log.warn({ err: error.message }, "database connection lost"),
    });
  } else {
    mkdirSync(runtime.dataDir, { recursive: true });
    db = await openPglite(runtime.dataDir);
  }
  await migrate(db);
  const queue: JobQueue =
    redis === undefined
      ? new InProcessQueue()
      : new BullMqQueue(redis, runtime.queuePrefix, runtime.timings.jobLockMs);
  const graph = new GraphLogs(credential, runtime.endpoints.graph, tenantId, limiter);
  const arm = new ArmActivity(credential, runtime.endpoints.arm, tenantId, limiter);
  const respond: RespondContext = {
    graph: directory,
    rbac: new AzureRbac(credential, runtime.endpoints.arm, tenantId, limiter),
    policy: new SubscriptionPolicy(credential, runtime.endpoints.arm, tenantId, limiter),
    subscriptions: async () => (await arm.subscriptions()).map((s) => s.subscriptionId),
    objects: containmentObjectsIn(db, tenantId),
    // A transaction-scoped advisory lock: held while the work runs, released at commit, whichever process holds it.
    exclusive: (key, work) =>
      db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:${tenantId}:${key}`]);
        return work(containmentObjectsIn(tx, tenantId));
      }),
    settings: {
      graphUrl: runtime.endpoints.graph,
      breakGlassIds: config.containment.protected.breakGlassIds,
      policyState: config.containment.policyState,
      blockEntering: config.containment.blockEntering,
    },
  };
  log.info({ tenantId, store: db.kind, queue: queue.kind }, "warden opened");
  return {
    config,
    tenantId,
    db,
    queue,
    log,
    graph,
    arm,
    directory,
    respond,
    guard,
    ...botReadiness(config.bot),
    async graphToken() {
      const token = await credential.getToken(graphScopeFor(config.runtime.endpoints.graph));
      if (token === null) throw new Error("the token authority gave no token");
    },
    async ownIdentity() {
      const token = await credential.getToken(graphScopeFor(config.runtime.endpoints.graph));
      if (token === null) throw new Error("the token authority gave no token");
      return identityFromToken(token.token);
    },
    async close() {
      try {
        await queue.close();
        await db.close();
      } finally {
        if (limiter instanceof RedisRateLimiter) await limiter.close();
      }
    },
  };
}

/**
 * Turns WARDEN_PROTECTED_USERS into object ids before anything starts: an entry that names nobody stops
 * Warden (a protected person who is not protected is worse than no Warden). When Graph cannot answer now,
 * Warden starts and the guard treats every user as protected until it can (deny on doubt).
 */
async function resolveProtectedUsers(guard: Guard, log: Logger): Promise<void> {
  try {
    await guard.protectedUsers.ids();
  } catch (error) {
    if (error instanceof UnknownProtectedUser) throw new ConfigError(error.message);
    log.warn(
      { err: (error as Error).message },
      "the protected users could not be read: no user is acted on until they can",
    );
  }
}

/** Takes poll and detect jobs. Any number of processes may do this against one Redis and one store. */
export function startWorker(warden: Warden, now: () => number = Date.now): void {
  const { config, db, queue, log, tenantId } = warden;
  const { timings } = config.runtime;
  const retry = { backoffMs: timings.retryBaseMs, maxBackoffMs: timings.retryMaxMs };
  const pollDeps = {
    db,
    graph: warden.graph,
    arm: warden.arm,
    directory: warden.directory,
    huntingQueries: new Map(loadSeedQueries().map((q) => [q.name, q])),
    tenantId,
    settings: {
      overlapMs: config.runtime.pollOverlapMs,
      initialLookbackMs: config.runtime.initialLookbackMs,
    },
    log,
    now,
  };
  const poll = pollHandler(pollDeps, queue);
  const discover = discoverHandler({
    arm: warden.arm,
    directory: warden.directory,
    db,
    queue,
    tenantId,
    pollEveryMs: config.runtime.pollIntervalMs,
    now,
  });
  const retention = retentionHandler(db, config.runtime.eventRetentionMs, now);
  const workflow = workflowDeps(warden, now);
  // With a bot, each change of an incident refreshes its card in Teams; without one there is no card.
  const bot = botConfigured(warden) ? createBot(warden, workflow) : undefined;
  const posture = postureHandler({
    db,
    tenantId,
    log,
    run: () => runPosture(postureDeps(warden, now)),
    ...(bot === undefined ? {} : { post: bot.postPosture }),
  });
  queue.process(
    QUEUE.poll,
    byName(QUEUE.poll, { poll, discover, retention, posture }, log),
    // Polls spend their time waiting (for the rate limiter, for Microsoft): with four slots, report polls
    // waiting on their 5-per-10-s limit starved the activity-log polls. Overlapping polls of one source
    // are harmless: events are stored by id and watermarks only move forward.
    { concurrency: 16, attempts: 5, ...retry },
  );
  const announce = async (incidentId: string) => {
    if (bot !== undefined) await enqueue(queue, JOBS.notify, { incidentId });
  };
  const refreshCard = async (incidentId: string) => {
    if (bot !== undefined) await enqueue(queue, JOBS.notify, { incidentId, refresh: true });
  };
  if (bot !== undefined)
    queue.process(QUEUE.notify, byName(QUEUE.notify, { notify: (job) => bot.notify(job) }, log), {
      concurrency: 1,
      attempts: 8,
      ...retry,
    });
  const detect = detectHandler(
    db,
    withOwnServicePrincipal(
      liveDetectConfig(config.detect, {
        tenantId,
        clientId: config.runtime.clientId,
        servicePrincipalId: config.containment.ownServicePrincipalId,
      }),
      warden.directory,
      config.runtime.clientId,
      log,
      () => warden.ownIdentity(),
    ),
    queue,
    trustedRangesReader(warden.directory, log),
    refreshCard,
  );
  queue.process(QUEUE.detect, byName(QUEUE.detect, { detect }, log), { concurrency: 1, ...retry });
  const triage = triageHandler(workflow, queue, announce);
  const adminRecheckMs = config.runtime.timings.adminRecheckMs;
  const reconcile = reconcileHandler(db, queue, tenantId, announce, bot !== undefined, {
    adminRecheckMs,
    now,
  });
  const expire = expireHandler(db, tenantId, config.containment.approval, announce, now);
  queue.process(QUEUE.triage, byName(QUEUE.triage, { triage, reconcile, expire }, log), {
    concurrency: 4,
    ...retry,
  });
  const contain = containHandler(workflow, queue, announce, retry.backoffMs, adminRecheckMs);
  const administratorSteps = administratorStepsHandler(workflow, queue, announce, adminRecheckMs);
  const handlers = { contain, undo: contain, "administrator-steps": administratorSteps };
  queue.process(QUEUE.contain, byName(QUEUE.contain, handlers, log), {
    concurrency: 4,
    attempts: 8,
    ...retry,
  });
}

/** Declares the schedules: idempotent, so every process may declare them at start. */
export async function startSchedules(warden: Warden): Promise<void> {
  const { queue, tenantId, config } = warden;
  const every = config.runtime.pollIntervalMs;
  await queue.repeat(
    QUEUE.poll,
    `discover:${tenantId}`,
    "discover",
    { tenantId },
    config.runtime.discoverIntervalMs,
  );
  await queue.repeat(QUEUE.poll, `retention:${tenantId}`, "retention", { tenantId }, 24 * 3_600_000);
  await queue.repeat(QUEUE.triage, `expire:${tenantId}`, "expire", { tenantId }, 60_000);
  await queue.repeat(
    QUEUE.triage,
    `reconcile:${tenantId}`,
    "reconcile",
    { tenantId },
    config.runtime.reconcileIntervalMs,
  );
  // The posture card: weekly by default, or never (WARDEN_POSTURE_EVERY_HOURS=off; the schedule, kept
  // in Redis, is removed then).
  const postureKey = `posture:${tenantId}`;
  if (config.runtime.posture.everyMs === undefined) await queue.unrepeat(QUEUE.poll, postureKey);
  else await queue.repeat(QUEUE.poll, postureKey, "posture", { tenantId }, config.runtime.posture.everyMs);
  const wanted = new Set<string>();
  for (const source of pollSources(config.runtime.auditSource, config.runtime.alerts)) {
    const { source: name, scope } = sourceKey(source);
    const key = `poll:${tenantId}:${name}:${scope}`;
    wanted.add(key);
    await queue.repeat(QUEUE.poll, key, "poll", { tenantId, source: name, scope }, every);
  }
  // Schedules persist in Redis: a tenant-wide source turned off since (WARDEN_ALERTS=off, another
  // WARDEN_AUDIT_SOURCE) is stopped here. Subscriptions' activity logs are discovery's to keep or end.
  for (const key of await queue.repeats(QUEUE.poll)) {
    const tenantWide = key.startsWith(`poll:${tenantId}:`) && !key.startsWith(`poll:${tenantId}:activity:`);
    if (tenantWide && !wanted.has(key)) await queue.unrepeat(QUEUE.poll, key);
  }
}

/** The bot's token check for readiness, when there is a real bot to check. */
function botReadiness(bot: WardenConfig["bot"]): { botToken?: () => Promise<void> } {
  const check = botTokenCheck(bot);
  return check === undefined ? {} : { botToken: check };
}

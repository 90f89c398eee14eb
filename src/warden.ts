import type { ArmActivity } from "./cloud/arm-activity.js";
import type { GraphDirectory } from "./cloud/graph-directory.js";
import type { GraphLogs } from "./cloud/graph-logs.js";
import type { TokenIdentity } from "./cloud/token-identity.js";
import type { WardenConfig } from "./config/index.js";
import type { JobQueue } from "./jobs/queue/job-queue.js";
import type { Logger } from "./log.js";
import type { PostureDeps } from "./posture/gather.js";
import type { Guard } from "./respond/guard.js";
import type { RespondContext } from "./respond/types.js";
import type { WorkflowDeps } from "./respond/workflow.js";
import type { Database } from "./store/database.js";

/**
 * One Warden process's parts, as the composition root (src/app.ts) built them. Its own module so that
 * the parts the root wires together (the bot) can name it without importing the root.
 */
export interface Warden {
  config: WardenConfig;
  tenantId: string;
  db: Database;
  queue: JobQueue;
  log: Logger;
  graph: GraphLogs;
  arm: ArmActivity;
  directory: GraphDirectory;
  /** What the responders act through: the live tenant, under Warden's settings. */
  respond: RespondContext;
  /** Who is never acted on: one per process, so its protected ids and group members are read once. */
  guard: Guard;
  /** Gets a Graph token (from the cache when fresh): readiness proves the app can still sign in. */
  graphToken(): Promise<void>;
  /** Gets the bot's own token (posting cards), when a real bot is configured: readiness proves it. */
  botToken?: () => Promise<void>;
  /** Warden's own app and service principal, as its Graph token names them. */
  ownIdentity(): Promise<TokenIdentity>;
  close(): Promise<void>;
}

/** What triage, containment and undo work with. */
export function workflowDeps(warden: Warden, now: () => number = Date.now): WorkflowDeps {
  const { config } = warden;
  return {
    db: warden.db,
    ctx: warden.respond,
    guard: warden.guard,
    dryRun: config.containment.dryRun,
    log: warden.log,
    actionLeaseMs: config.runtime.timings.actionLeaseMs,
    autoPolicy: config.containment.auto,
    twoApproversForCritical: config.containment.approval.twoApproversForCritical,
    now,
  };
}

/** What the posture check reads through: the same clients and rate limits as the responders. */
export function postureDeps(warden: Warden, now: () => number = Date.now): PostureDeps {
  const { respond, config } = warden;
  return {
    graph: respond.graph,
    rbac: respond.rbac,
    policy: respond.policy,
    subscriptions: respond.subscriptions,
    breakGlassIds: config.containment.protected.breakGlassIds,
    staleDays: config.runtime.posture.staleDays,
    now,
  };
}

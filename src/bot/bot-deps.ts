import type { Severity } from "../detect/finding.js";
import type { Inventory } from "../inventory/collect.js";
import type { JobQueue } from "../jobs/queue/job-queue.js";
import type { PostureReport } from "../posture/types.js";
import type { ApproverCheck } from "../respond/approvers.js";
import type { WorkflowDeps } from "../respond/workflow.js";
import type { ApproverRoster } from "./approver-roster.js";

/** What the bot is built from (bot/index.ts builds it once per process). */
export interface BotDeps {
  /** Reads the inventory live from the tenant; the bot keeps the last one a few minutes for paging. */
  inventory: () => Promise<Inventory>;
  /** Reads the tenant's posture live (the `posture` command). */
  posture: () => Promise<PostureReport>;
  workflow: WorkflowDeps;
  queue: JobQueue;
  approvers: ApproverCheck;
  tenantId: string;
  /** The Azure Bot's app id: notices to the incident channel are sent as it (none in local mode). */
  appId?: string;
  /** WARDEN_TEAMS_CHANNEL_ID with its service URL, when the incident channel is named in config. */
  configuredChannel?: { id: string; serviceUrl: string };
  /** Finds the approvers among a channel's members, for the cards' `refresh.userIds`. */
  roster?: ApproverRoster;
  /** How long a pending incident waits before it expires, by severity: its card says when. */
  expireHours?: Readonly<Record<Severity, number>>;
}

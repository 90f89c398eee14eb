import type { AzureRbac } from "../cloud/arm-rbac.js";
import type { GraphDirectory } from "../cloud/graph-directory.js";
import type { SubscriptionPolicy } from "../cloud/subscription-policy.js";
import type { Grant } from "../detect/finding.js";
import type { ContainmentObjects } from "../store/containment-objects-repo.js";

export const ACTIONS = [
  "disable-account",
  "revoke-sessions",
  "remove-directory-role",
  "remove-azure-role",
  "require-mfa",
  "block-sign-in",
  "block-subscription-transfer",
] as const;
export type ActionName = (typeof ACTIONS)[number];

/**
 * What an action that takes privileges back may take: the grants its findings name or, for a finding
 * about the use of a privilege (a VM created), the subscriptions it names. Nothing else the principal
 * holds: a long-standing partner admin given one new role keeps the others (issue 17, finding 3).
 */
export interface PrivilegeLimit {
  grants?: Grant[];
  subscriptionIds?: string[];
}

/** Who or what an action changes: a user (by object id or UPN), or the tenant itself. */
export type ActionTarget =
  | {
      kind: "user";
      id?: string;
      userPrincipalName?: string;
      label: string;
      limit?: PrivilegeLimit;
      /**
       * When the latest finding that named this user happened: a user Graph cannot find this soon after is
       * taken for one still replicating (an account invited seconds ago), not a deleted one.
       */
      seenAt?: number;
    }
  | { kind: "tenant"; id: string; label: string };

/** What an action would change, read from the live tenant; `needed` false means nothing is left to do. */
export interface ActionPlan {
  needed: boolean;
  /** Each change in plain words, for the card: "Set accountEnabled of x from true to false". */
  changes: string[];
  /** What execute acts on (object ids, assignment ids), fixed at planning. */
  data: Record<string, unknown>;
}

export interface Executed {
  /** What was there before, enough for undo to restore it. */
  changed: Record<string, unknown>;
  /** Graph request-id / ARM x-ms-request-id of each write, for Microsoft support and the audit trail. */
  requestIds: string[];
  /** What turned out otherwise than planned, in words for the card (appended to the outcome). */
  note?: string;
}

/** Names Warden uses for the objects it creates in the tenant, and how it sets them up. */
export interface ContainmentSettings {
  graphUrl: string;
  /** Accounts every Warden conditional access policy excludes, and no action ever touches. */
  breakGlassIds: readonly string[];
  /** State of the conditional access policies Warden creates. */
  policyState: "enabled" | "enabledForReportingButNotEnforced";
  /** Also block subscriptions moving into the tenant when blocking transfers. */
  blockEntering: boolean;
}

/** What every responder works with: the real clients and the settings. */
export interface RespondContext {
  graph: GraphDirectory;
  rbac: AzureRbac;
  policy: SubscriptionPolicy;
  /** Subscriptions visible to Warden now (for Azure role lookups). */
  subscriptions(): Promise<string[]>;
  /** The containment objects Warden keeps, read outside any lock (for planning and checking). */
  objects: ContainmentObjects;
  /**
   * Runs `work` while holding a lock named `key` across every Warden process: for creating the shared
   * containment group and policy once, however many incidents are contained at the same moment. `work`
   * reads and keeps the objects through the lock's own store connection.
   */
  exclusive<T>(key: string, work: (objects: ContainmentObjects) => Promise<T>): Promise<T>;
  settings: ContainmentSettings;
}

/**
 * Thrown by `execute` or `undo` when Microsoft lets only a person make the change (the transfer policy:
 * a Global Administrator who elevated access). The action then waits for that person: `steps` say what
 * to do, and the responder's `byAdministrator` tells when the tenant shows it done, and by whom.
 */
export class AdministratorStepRequired extends Error {
  override readonly name = "AdministratorStepRequired";
  constructor(
    /** Why Warden cannot do it itself, in words for the card. */
    readonly reason: string,
    /** What the administrator does, each step a line for the card. */
    readonly steps: string[],
  ) {
    super(reason);
  }
}

/** Who last changed what an administrator was asked to change, as the tenant records it. */
export interface ChangedBy {
  by: string;
  at: string;
}

/**
 * One containment action. `plan` reads the tenant and says exactly what would change; `execute` makes
 * those changes and is idempotent (a second run changes nothing); `verify` reads back; `undo` restores
 * what `execute` recorded.
 */
export interface Responder {
  name: ActionName;
  /** What Warden's app needs for this action: named in every "access denied" outcome. */
  permission: string;
  targets: ActionTarget["kind"];
  /**
   * `planned` is the plan the last attempt acted on (or triage's, if none did), given when an action is
   * retried: an action whose effect the tenant cannot show as a state (a revocation) compares against it,
   * so a retry after an answer that never came, or a check that failed, confirms instead of doing it twice.
   */
  plan(ctx: RespondContext, target: ActionTarget, planned?: ActionPlan): Promise<ActionPlan>;
  execute(ctx: RespondContext, target: ActionTarget, plan: ActionPlan): Promise<Executed>;
  verify(ctx: RespondContext, target: ActionTarget, plan: ActionPlan): Promise<boolean>;
  /** Restores what `changed` recorded; returns what it restored, in words. */
  undo(ctx: RespondContext, target: ActionTarget, changed: Record<string, unknown>): Promise<string>;
  /**
   * For an action Microsoft may leave to a person (AdministratorStepRequired): whether the tenant now shows
   * what was asked, done or undone, and who did it. Checked again until it does.
   */
  byAdministrator?: {
    done(ctx: RespondContext, target: ActionTarget, plan: ActionPlan): Promise<ChangedBy | undefined>;
    undone(
      ctx: RespondContext,
      target: ActionTarget,
      changed: Record<string, unknown>,
    ): Promise<ChangedBy | undefined>;
  };
}

import type { Queryable } from "./database.js";

/**
 * `waiting`: failed transiently (throttled, unavailable, no answer) and tried again by the contain job;
 * `failed`: failed for good (refused, missing), a person must act;
 * `awaiting-admin` / `undo-awaiting-admin`: only a person may make this change (Microsoft refuses it to
 * apps); the card says how, and Warden checks the tenant until it shows the change made.
 */
export type ActionState =
  | "planned"
  | "skipped"
  | "running"
  | "done"
  | "waiting"
  | "failed"
  | "awaiting-admin"
  | "undone"
  | "undo-failed"
  | "undo-awaiting-admin";

export interface ActionRow {
  id: string;
  tenantId: string;
  incidentId: string;
  action: string;
  target: Record<string, unknown>;
  state: ActionState;
  plan: Record<string, unknown>;
  changed: Record<string, unknown> | null;
  outcome: string | null;
  requestIds: string[];
  approvedBy: string | null;
  automatic: boolean;
  attempts: number;
  executedAt: number | null;
}

interface Raw {
  id: string;
  tenant_id: string;
  incident_id: string;
  action: string;
  target: unknown;
  state: ActionState;
  plan: unknown;
  changed: unknown;
  outcome: string | null;
  request_ids: unknown;
  approved_by: string | null;
  automatic: boolean;
  attempts: number;
  executed_at: Date | string | null;
}

const json = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));

function fromRaw(r: Raw): ActionRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    incidentId: r.incident_id,
    action: r.action,
    target: json(r.target),
    state: r.state,
    plan: json(r.plan),
    changed: r.changed === null ? null : json(r.changed),
    outcome: r.outcome,
    requestIds: json(r.request_ids),
    approvedBy: r.approved_by,
    automatic: r.automatic,
    attempts: Number(r.attempts),
    executedAt: r.executed_at === null ? null : new Date(r.executed_at).getTime(),
  };
}

export interface NewAction {
  id: string;
  tenantId: string;
  incidentId: string;
  action: string;
  target: Record<string, unknown>;
  state: "planned" | "skipped";
  plan: Record<string, unknown>;
  outcome?: string;
}

/** Records planned actions; an action already recorded (same id) keeps its row and state. */
export async function recordPlannedActions(db: Queryable, actions: readonly NewAction[]): Promise<void> {
  for (const a of actions) {
    await db.query(
      `INSERT INTO actions (id, tenant_id, incident_id, action, target, state, plan, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [
        a.id,
        a.tenantId,
        a.incidentId,
        a.action,
        JSON.stringify(a.target),
        a.state,
        JSON.stringify(a.plan),
        a.outcome ?? null,
      ],
    );
  }
}

export async function actionsOf(db: Queryable, incidentId: string): Promise<ActionRow[]> {
  const { rows } = await db.query<Raw>("SELECT * FROM actions WHERE incident_id = $1 ORDER BY id", [
    incidentId,
  ]);
  return rows.map(fromRaw);
}

/**
 * How long a worker holds an action it is running, unless configured (WARDEN_ACTION_LEASE_SECONDS); past
 * it, the action counts as left by a crashed worker and another may take it over. Longer than any one
 * action's run, retries inside the SDKs included.
 */
export const DEFAULT_ACTION_LEASE_MS = 30_000;

/**
 * Claims an action for execution: from `planned` or `failed` (a retry), or `running` whose lease has
 * lapsed (its worker crashed). Returns undefined when another worker holds it or it is finished: so of
 * two clicks or two workers, one runs it.
 */
export async function claimAction(
  db: Queryable,
  id: string,
  by: { approvedBy: string | null; automatic: boolean },
  leaseMs: number = DEFAULT_ACTION_LEASE_MS,
): Promise<ActionRow | undefined> {
  const { rows } = await db.query<Raw>(
    `UPDATE actions SET state = 'running', attempts = attempts + 1, approved_by = COALESCE($2, approved_by),
       automatic = $3, updated_at = now()
     WHERE id = $1 AND (state IN ('planned', 'waiting', 'failed', 'awaiting-admin')
       OR (state = 'running' AND updated_at < now() - make_interval(secs => $4)))
     RETURNING *`,
    [id, by.approvedBy, by.automatic, leaseMs / 1_000],
  );
  return rows[0] === undefined ? undefined : fromRaw(rows[0]);
}

/** Records the plan an attempt is about to act on, in place of the one before it (see runOne). */
export async function recordAttemptPlan(
  db: Queryable,
  id: string,
  plan: Record<string, unknown>,
): Promise<void> {
  await db.query("UPDATE actions SET plan = $2, updated_at = now() WHERE id = $1", [
    id,
    JSON.stringify(plan),
  ]);
}

export async function finishAction(
  db: Queryable,
  id: string,
  result: { state: ActionState; outcome: string; changed?: Record<string, unknown>; requestIds?: string[] },
): Promise<void> {
  await db.query(
    `UPDATE actions SET state = $2, outcome = $3, changed = COALESCE($4, changed),
       request_ids = COALESCE($5, request_ids),
       executed_at = CASE WHEN $2 = 'done' AND executed_at IS NULL THEN now() ELSE executed_at END,
       updated_at = now()
     WHERE id = $1`,
    [
      id,
      result.state,
      result.outcome,
      result.changed === undefined ? null : JSON.stringify(result.changed),
      result.requestIds === undefined ? null : JSON.stringify(result.requestIds),
    ],
  );
}

/**
 * An action planned again, for "contain again" after an undo: only from what an undo leaves (undone,
 * failed, or withdrawn from an administrator: respond/lifecycle.ts approvable), with its attempt count
 * back to zero, so the next run plans afresh against the live tenant (execute.ts) rather than comparing
 * with the plan of the run that was undone.
 */
export async function reopenAction(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE actions SET state = 'planned', outcome = NULL, changed = NULL, attempts = 0, updated_at = now()
     WHERE id = $1 AND state IN ('undone', 'failed', 'skipped') RETURNING id`,
    [id],
  );
  return rows.length > 0;
}

/**
 * An action a person was asked to take, recorded as taken once the tenant shows it: only from the state
 * it waited in, so a retry or an undo that moved it meanwhile is not overwritten. True when it moved.
 */
export async function recordAdministratorStep(
  db: Queryable,
  id: string,
  from: "awaiting-admin" | "undo-awaiting-admin",
  result: { state: "done" | "undone"; outcome: string; changed: Record<string, unknown> },
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    // No executed_at: the change is the person's, not one of Warden's automatic writes the hourly cap counts.
    `UPDATE actions SET state = $3, outcome = $4, changed = $5, updated_at = now()
     WHERE id = $1 AND state = $2 RETURNING id`,
    [id, from, result.state, result.outcome, JSON.stringify(result.changed)],
  );
  return rows.length > 0;
}

/**
 * An action asked of a person, withdrawn (an undo came first): only while it still waits, so a step the
 * administrator-steps job has just recorded taken is not overwritten. True when it was withdrawn.
 */
export async function withdrawAdministratorStep(
  db: Queryable,
  id: string,
  outcome: string,
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE actions SET state = 'skipped', outcome = $2, updated_at = now()
     WHERE id = $1 AND state = 'awaiting-admin' RETURNING id`,
    [id, outcome],
  );
  return rows.length > 0;
}

/**
 * Reserves actions for automatic execution under the circuit breaker's hourly cap. Counted are automatic
 * actions executed since `since` and those reserved and not yet run, except the ones being reserved now
 * (a triage that is repeated, because the incident grew meanwhile, must not count its own). To be called
 * inside the transaction that records the decision, so a decision that does not happen reserves nothing:
 * a per-tenant lock makes concurrent triage jobs take turns, so two incidents at once cannot both slip
 * under the cap.
 */
export async function reserveAutomatic(
  tx: Queryable,
  tenantId: string,
  actionIds: readonly string[],
  cap: number,
  since: Date,
): Promise<{ reserved: boolean; count: number }> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:auto:${tenantId}`]);
  const { rows } = await tx.query<{ n: string }>(
    `SELECT count(*) AS n FROM actions WHERE tenant_id = $1 AND automatic
       AND (executed_at >= $2 OR state IN ('planned', 'running')) AND NOT (id = ANY($3::text[]))`,
    [tenantId, since.toISOString(), actionIds],
  );
  const count = Number(rows[0]?.n ?? 0);
  if (count + actionIds.length > cap) return { reserved: false, count };
  await tx.query("UPDATE actions SET automatic = true, updated_at = now() WHERE id = ANY($1::text[])", [
    actionIds,
  ]);
  return { reserved: true, count };
}

import type { ContainmentObject } from "../detect/detect-config.js";
import type { Queryable } from "./database.js";

/**
 * The ids of the objects Warden created in the tenant for a containment control (its group and policy),
 * kept in the store when created: found again by id, never by a name anyone may take, and judged for
 * replication lag by when they were created.
 */
export interface ContainmentObjects {
  kept(control: string): Promise<KeptObjects>;
  keep(control: string, kind: "group" | "policy", id: string): Promise<void>;
}

/** The group and policy Warden created for one containment control, with when (to judge replication lag). */
export interface KeptObjects {
  groupId?: string;
  groupCreatedAt?: number;
  policyId?: string;
  policyCreatedAt?: number;
}

interface Raw {
  group_id: string | null;
  group_created_at: Date | string | null;
  policy_id: string | null;
  policy_created_at: Date | string | null;
}

const time = (v: Date | string | null) => (v === null ? undefined : new Date(v).getTime());

/** The action whose objects a control's are: how a version before migration 6 recorded what it created. */
const ACTION_OF: Readonly<Record<string, string>> = { mfa: "require-mfa", block: "block-sign-in" };
/** The control an action's objects are for: "require-mfa" is "mfa". */
const CONTROL_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ACTION_OF).map(([control, action]) => [action, control]),
);

/**
 * What Warden kept for `control` in `tenantId` (nothing before its first use). A deployment upgraded from
 * before migration 6 kept no ids, but its actions recorded the group and policy they created: those are
 * Warden's own (never an object someone named like them), and are used again rather than made twice.
 */
export async function keptObjects(db: Queryable, tenantId: string, control: string): Promise<KeptObjects> {
  const { rows } = await db.query<Raw>(
    "SELECT group_id, group_created_at, policy_id, policy_created_at FROM containment_objects WHERE tenant_id = $1 AND control = $2",
    [tenantId, control],
  );
  const r = rows[0];
  if (r === undefined) return createdByEarlierActions(db, tenantId, ACTION_OF[control] ?? control);
  const groupCreatedAt = time(r.group_created_at);
  const policyCreatedAt = time(r.policy_created_at);
  return {
    ...(r.group_id === null ? {} : { groupId: r.group_id }),
    ...(groupCreatedAt === undefined ? {} : { groupCreatedAt }),
    ...(r.policy_id === null ? {} : { policyId: r.policy_id }),
    ...(policyCreatedAt === undefined ? {} : { policyCreatedAt }),
  };
}

/** Records a group or policy Warden just created for `control`, replacing the one it had (if deleted). */
export async function keepObject(
  db: Queryable,
  tenantId: string,
  control: string,
  kind: "group" | "policy",
  id: string,
  createdAt: number,
): Promise<void> {
  const at = new Date(createdAt).toISOString();
  await db.query(
    kind === "group"
      ? `INSERT INTO containment_objects (tenant_id, control, group_id, group_created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, control) DO UPDATE SET group_id = $3, group_created_at = $4`
      : `INSERT INTO containment_objects (tenant_id, control, policy_id, policy_created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, control) DO UPDATE SET policy_id = $3, policy_created_at = $4`,
    [tenantId, control, id, at],
  );
}

/** The containment objects of `tenantId`, read and kept through `db` (a lock's transaction, or the pool). */
export function containmentObjectsIn(db: Queryable, tenantId: string): ContainmentObjects {
  return {
    kept: (control) => keptObjects(db, tenantId, control),
    keep: (control, kind, id) => keepObject(db, tenantId, control, kind, id, Date.now()),
  };
}

async function createdByEarlierActions(
  db: Queryable,
  tenantId: string,
  action: string,
): Promise<KeptObjects> {
  const latest = async (key: "createdGroupId" | "createdPolicyId") => {
    const { rows } = await db.query<{ id: string }>(
      `SELECT changed->>'${key}' AS id FROM actions
       WHERE tenant_id = $1 AND action = $2 AND changed->>'${key}' IS NOT NULL
       ORDER BY updated_at DESC LIMIT 1`,
      [tenantId, action],
    );
    return rows[0]?.id;
  };
  const groupId = await latest("createdGroupId");
  const policyId = await latest("createdPolicyId");
  return { ...(groupId === undefined ? {} : { groupId }), ...(policyId === undefined ? {} : { policyId }) };
}

/**
 * Every group and policy Warden created in `tenantId`, for detection to know them by id: those it keeps,
 * and those its actions created before (replaced since, or kept before migration 6). A replaced one
 * matters: its deletion, logged minutes late, may be read after Warden made its successor.
 */
export async function containmentObjectsOf(db: Queryable, tenantId: string): Promise<ContainmentObject[]> {
  const { rows } = await db.query<{ control: string; what: "group" | "policy"; id: string }>(
    `SELECT control, 'group' AS what, group_id AS id FROM containment_objects
       WHERE tenant_id = $1 AND group_id IS NOT NULL
     UNION
     SELECT control, 'policy' AS what, policy_id AS id FROM containment_objects
       WHERE tenant_id = $1 AND policy_id IS NOT NULL
     UNION
     SELECT action AS control, 'group' AS what, changed->>'createdGroupId' AS id FROM actions
       WHERE tenant_id = $1 AND changed->>'createdGroupId' IS NOT NULL
     UNION
     SELECT action AS control, 'policy' AS what, changed->>'createdPolicyId' AS id FROM actions
       WHERE tenant_id = $1 AND changed->>'createdPolicyId' IS NOT NULL`,
    [tenantId],
  );
  // An action's row names its action ("require-mfa"): the control is what the table keeps ("mfa").
  const objects = new Map<string, ContainmentObject>();
  for (const r of rows) {
    const object = { id: r.id.toLowerCase(), what: r.what, control: CONTROL_OF[r.control] ?? r.control };
    objects.set(`${object.what}:${object.id}`, object);
  }
  return [...objects.values()];
}

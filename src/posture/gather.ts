import type { GraphDirectory } from "../cloud/graph-directory.js";
import { type AssignmentInstance, assignmentInstances } from "../cloud/pim.js";
import type { ReadTransferPolicy } from "../cloud/subscription-policy.js";
import { ENTRA_ROLE } from "../detect/roles.js";
import { collectInventory, type Inventory } from "../inventory/collect.js";
import {
  collectPrivilegedHolders,
  type HoldersDeps,
  type HolderUser,
  type PrivilegedHolders,
} from "../inventory/privileged-holders.js";
import { type CaPolicy, groupsNamed, rolesNamed } from "./ca-policy.js";
import { type Registration, readRegistrations } from "./registrations.js";

/** What a read gave: its value, or why Microsoft refused it (a check that needs it says so). */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface PostureDeps extends HoldersDeps {
  policy: { read(): Promise<ReadTransferPolicy> };
  breakGlassIds: readonly string[];
  /** An external admin with no sign-in for this many days is stale. */
  staleDays: number;
  now: () => number;
  /** Who invited whom (guest id → inviter), when Warden's store knows better than the audit log. */
  invitedBy?: (guestIds: readonly string[]) => Promise<Map<string, string>>;
}

/** Everything the checks judge, read once: each check is a pure function of this. */
export interface PostureFacts {
  holders: Read<PrivilegedHolders>;
  inventory: Read<Inventory>;
  /** Enabled, report-only and disabled policies, from beta (v1.0 has no CAE session control). */
  policies: Read<CaPolicy[]>;
  /** Whether the policies came from beta, with their CAE settings; v1.0 when beta was refused. */
  policiesHaveCae: Read<true>;
  securityDefaults: Read<boolean>;
  /** Group id (lower case) → ids (lower case) of its members, nested ones included: the enabled policies' groups. */
  groupMembers: Read<Map<string, Set<string>>>;
  /** User id (lower case) → registration, for every user of the tenant; one absent has no record. */
  registrations: Read<Map<string, Registration>>;
  transferPolicy: Read<ReadTransferPolicy>;
  /** Each configured break-glass id → the user, or null when no such user exists. */
  breakGlass: Read<Map<string, HolderUser | null>>;
  /** Each existing break-glass account's own Global Administrator assignments, as PIM sees them (end, type). */
  breakGlassGa: Read<Map<string, AssignmentInstance[]>>;
  staleDays: number;
  now: number;
}

const CA_POLICIES = "/identity/conditionalAccess/policies";

/** Why a read failed, in Microsoft's words with its status, for the report's "could not read" line. */
export function refusal(error: unknown): string {
  const status = (error as { statusCode?: number }).statusCode;
  const message = (error as Error).message ?? String(error);
  return status === undefined ? message : `${status}: ${message}`;
}

async function attempt<T>(read: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, reason: refusal(error) };
  }
}

/**
 * The policies from beta, which alone returns `sessionControls.continuousAccessEvaluation`; from v1.0
 * when beta refuses (a beta change, a national cloud without it): every check but CAE still runs.
 */
async function readPolicies(
  graph: GraphDirectory,
): Promise<Pick<PostureFacts, "policies" | "policiesHaveCae">> {
  const beta = await attempt(() => graph.all<CaPolicy>(CA_POLICIES, {}, "beta"));
  if (beta.ok) return { policies: beta, policiesHaveCae: { ok: true, value: true } };
  const v1 = await attempt(() => graph.all<CaPolicy>(CA_POLICIES));
  return { policies: v1, policiesHaveCae: { ok: false, reason: `Graph beta refused: ${beta.reason}` } };
}

/** Transitive members of each group the enabled policies name: one listing per group. */
async function readGroupMembers(
  graph: GraphDirectory,
  policies: CaPolicy[],
): Promise<Map<string, Set<string>>> {
  const groups = new Set(
    policies.filter((p) => p.state === "enabled").flatMap((p) => groupsNamed(p).map((g) => g.toLowerCase())),
  );
  const members = new Map<string, Set<string>>();
  for (const group of groups) {
    try {
      const rows = await graph.all<{ id: string }>(`/groups/${encodeURIComponent(group)}/transitiveMembers`, {
        $select: "id",
        $top: "999",
      });
      members.set(group, new Set(rows.map((r) => r.id.toLowerCase())));
    } catch (error) {
      // A policy may name a group deleted since: it has no members, which is what Entra evaluates.
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      members.set(group, new Set());
    }
  }
  return members;
}

/** Reads what the posture checks judge. Reads that fail are recorded, never thrown: a report always comes. */
export async function gatherPostureFacts(deps: PostureDeps): Promise<PostureFacts> {
  // When the read started: of two overlapping reads, the one that began later is the newer.
  const startedAt = deps.now();
  const { policies, policiesHaveCae } = await readPolicies(deps.graph);
  const roles = policies.ok ? policies.value.flatMap(rolesNamed) : [];
  const holders = await attempt(() => collectPrivilegedHolders(deps, roles));
  const inventory = holders.ok
    ? await attempt(() => collectInventory(deps, holders.value))
    : ({ ok: false, reason: holders.reason } as const);
  const groupMembers = policies.ok
    ? await attempt(() => readGroupMembers(deps.graph, policies.value))
    : ({ ok: false, reason: policies.reason } as const);
  const breakGlass = await attempt(async () => {
    const known = new Map((holders.ok ? holders.value.users : []).map((u) => [u.id.toLowerCase(), u]));
    const found = new Map<string, HolderUser | null>();
    for (const id of deps.breakGlassIds)
      found.set(id.toLowerCase(), known.get(id.toLowerCase()) ?? (await deps.graph.user(id)) ?? null);
    return found;
  });
  // Whether each Global Administrator assignment is permanent: PIM's instances say when one ends.
  const breakGlassGa = await attempt(async () => {
    const found = new Map<string, AssignmentInstance[]>();
    for (const [id, user] of breakGlass.ok ? breakGlass.value : []) {
      if (user === null) continue;
      const filter = `principalId eq '${id}' and roleDefinitionId eq '${ENTRA_ROLE.globalAdministrator}'`;
      found.set(id, await assignmentInstances(deps.graph, filter));
    }
    return found;
  });
  const registrations = await attempt(() => readRegistrations(deps.graph));
  const securityDefaults = await attempt(async () => {
    const policy = (await deps.graph.client
      .api("/policies/identitySecurityDefaultsEnforcementPolicy")
      .get()) as { isEnabled?: boolean };
    return policy.isEnabled === true;
  });
  const transferPolicy = await attempt(() => deps.policy.read());
  return {
    holders,
    inventory,
    policies,
    policiesHaveCae,
    securityDefaults,
    groupMembers,
    registrations,
    transferPolicy,
    breakGlass,
    breakGlassGa,
    staleDays: deps.staleDays,
    now: startedAt,
  };
}

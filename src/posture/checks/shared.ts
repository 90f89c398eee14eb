import type { HeldRole, HolderUser, PrivilegedHolders } from "../../inventory/privileged-holders.js";
import { type CaPolicy, type CaSubject, externalTypeOf } from "../ca-policy.js";
import type { PostureFacts, Read } from "../gather.js";
import type { CheckId, PostureFinding, PosturePrincipal } from "../types.js";

/** What one check found, and why it could read only part of what it needs, or nothing. */
export interface CheckResult {
  findings: PostureFinding[];
  unreadable?: { partial: boolean; reason: string };
}

export type Check = (facts: PostureFacts) => CheckResult;

/** A check that could not read something it needs: no finding, and the reason. */
export function cannotRead(what: string, read: { ok: false; reason: string }): CheckResult {
  return {
    findings: [],
    unreadable: { partial: false, reason: `${what} could not be read: ${read.reason}` },
  };
}

/** The first of the reads that failed, or undefined when all were read. */
export function firstFailed(
  reads: Record<string, Read<unknown>>,
): { what: string; reason: string } | undefined {
  for (const [what, read] of Object.entries(reads)) if (!read.ok) return { what, reason: read.reason };
  return undefined;
}

/** Findings read in part: some Azure scopes were refused, so some holders may be missing. */
export function partly(findings: PostureFinding[], holders: PrivilegedHolders): CheckResult {
  return holders.gaps.length === 0
    ? { findings }
    : { findings, unreadable: { partial: true, reason: holders.gaps.join("; ") } };
}

export function principalOf(user: Pick<HolderUser, "id" | "userPrincipalName">): PosturePrincipal {
  return { type: "user", id: user.id, userPrincipalName: user.userPrincipalName };
}

/** "Global Administrator (eligible), Owner at /subscriptions/…": what a holder holds, in a few words. */
export function rolesInWords(roles: readonly HeldRole[]): string {
  const words = roles.map((r) => {
    const where = r.kind === "azure" ? ` at ${r.scope}` : r.scope === "/" ? "" : ` at ${r.scope}`;
    const how = [
      r.assignment === "eligible" ? "eligible" : "",
      r.viaGroup === undefined ? "" : `via ${r.viaGroup}`,
    ]
      .filter((w) => w !== "")
      .join(", ");
    return `${r.roleName}${where}${how === "" ? "" : ` (${how})`}`;
  });
  const unique = [...new Set(words)];
  return unique.length <= 3
    ? unique.join(", ")
    : `${unique.slice(0, 3).join(", ")} and ${unique.length - 3} more`;
}

/** The privileged users, with the roles that make them so, in a stable order. */
export function privilegedUsers(holders: PrivilegedHolders): { user: HolderUser; roles: HeldRole[] }[] {
  return holders.users
    .map((user) => ({ user, roles: holders.held.get(user.id.toLowerCase()) ?? [] }))
    .filter((h) => h.roles.length > 0)
    .sort((a, b) =>
      (a.user.userPrincipalName ?? a.user.id).localeCompare(b.user.userPrincipalName ?? b.user.id),
    );
}

/** A user as conditional access sees them: roles held tenant-wide and the named groups they are in. */
export function subjectOf(
  user: Pick<HolderUser, "id" | "userType" | "userPrincipalName">,
  holders: PrivilegedHolders | undefined,
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>,
): CaSubject {
  const id = user.id.toLowerCase();
  const groups = new Set<string>();
  for (const [group, members] of groupMembers) if (members.has(id)) groups.add(group);
  return {
    id,
    roles: holders?.entraRoles.get(id) ?? new Set(),
    groups,
    externalType: externalTypeOf(user),
  };
}

export function enabled(policies: readonly CaPolicy[]): CaPolicy[] {
  return policies.filter((p) => p.state === "enabled");
}

export function finding(
  check: CheckId,
  severity: PostureFinding["severity"],
  about: { principal: PosturePrincipal } | { setting: string },
  detail: string,
  fix: string,
): PostureFinding {
  return {
    check,
    severity,
    principal: "principal" in about ? about.principal : null,
    setting: "setting" in about ? about.setting : null,
    detail,
    fix,
  };
}

/** A user's name for a sentence: the UPN, or the id when Graph gave none. */
export function nameOf(user: Pick<HolderUser, "id" | "userPrincipalName">): string {
  return user.userPrincipalName ?? user.id;
}

/** "a, b and 3 more": at most `shown` names, so that no detail grows with the tenant. */
export function listInWords(items: readonly string[], shown = 3): string {
  if (items.length <= shown) return items.join(", ");
  return `${items.slice(0, shown).join(", ")} and ${items.length - shown} more`;
}

import type { GraphDirectory } from "../cloud/graph-directory.js";
import type { ActionTarget } from "./types.js";

/** Principals no action may touch, whatever the policy, the detector or the approver says. */
export interface ProtectedPrincipals {
  /** Emergency-access accounts (object ids). */
  breakGlassIds: readonly string[];
  /** Users by object id or UPN. */
  users: readonly string[];
  /** Members of these groups (object ids) are protected. */
  groupIds: readonly string[];
  /** Service principals (object ids), Warden's own among them. */
  servicePrincipalIds: readonly string[];
}

export type GuardVerdict = { protected: false } | { protected: true; reason: string };

const CACHE_MS = 60_000;

/**
 * Says whether a target is protected. Deny on doubt: when a protected group's members cannot be read,
 * every user target counts as protected until they can, and the reason says so.
 */
export class Guard {
  private groupCache: { at: number; members: Map<string, string> } | undefined;

  constructor(
    private readonly principals: ProtectedPrincipals,
    private readonly graph: Pick<GraphDirectory, "groupMemberIds">,
    private readonly now: () => number = Date.now,
  ) {}

  async check(target: ActionTarget, resolvedId?: string): Promise<GuardVerdict> {
    if (target.kind === "tenant") return { protected: false };
    const ids = [target.id, resolvedId]
      .filter((x): x is string => x !== undefined)
      .map((x) => x.toLowerCase());
    const upn = target.userPrincipalName?.toLowerCase();
    const is = (list: readonly string[]) =>
      list.some((p) => ids.includes(p.toLowerCase()) || (upn !== undefined && p.toLowerCase() === upn));
    if (is(this.principals.breakGlassIds))
      return { protected: true, reason: "a break-glass (emergency access) account" };
    if (is(this.principals.servicePrincipalIds))
      return {
        protected: true,
        reason: "a protected service principal (Warden's own identity or a configured one)",
      };
    if (is(this.principals.users))
      return { protected: true, reason: "a protected user in Warden's configuration" };
    if (this.principals.groupIds.length === 0) return { protected: false };
    if (ids.length === 0) {
      return {
        protected: true,
        reason: "its object id is unknown, so membership of the protected groups cannot be ruled out",
      };
    }
    let members: Map<string, string>;
    try {
      members = await this.protectedGroupMembers();
    } catch (error) {
      return {
        protected: true,
        reason: `membership of the protected groups could not be checked (${(error as Error).message}); nothing is done until it can`,
      };
    }
    for (const id of ids) {
      const group = members.get(id);
      if (group !== undefined) return { protected: true, reason: `a member of the protected group ${group}` };
    }
    return { protected: false };
  }

  private async protectedGroupMembers(): Promise<Map<string, string>> {
    const cached = this.groupCache;
    if (cached !== undefined && this.now() - cached.at < CACHE_MS) return cached.members;
    const members = new Map<string, string>();
    for (const groupId of this.principals.groupIds) {
      for (const id of await this.graph.groupMemberIds(groupId)) members.set(id.toLowerCase(), groupId);
    }
    this.groupCache = { at: this.now(), members };
    return members;
  }
}

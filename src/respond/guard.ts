import type { GraphDirectory } from "../cloud/graph-directory.js";
import { ProtectedUsers } from "./protected-users.js";
import type { ActionTarget } from "./types.js";

/** Principals no action may touch, whatever the policy, the detector or the approver says. */
export interface ProtectedPrincipals {
  /** Emergency-access accounts (object ids). */
  breakGlassIds: readonly string[];
  /** Users by object id or UPN (UPNs are turned into object ids: see ProtectedUsers). */
  users: readonly string[];
  /** Members of these groups (object ids), through any depth of nested groups, are protected. */
  groupIds: readonly string[];
  /** Service principals (object ids), Warden's own among them. */
  servicePrincipalIds: readonly string[];
}

export type GuardVerdict = { protected: false } | { protected: true; reason: string };

const CACHE_MS = 60_000;

/**
 * Says whether a target is protected, by the account it is: a target is compared by object id only,
 * its own or the one its UPN resolves to in the tenant, never by the text a log gave (which may be in
 * any case or form, or chosen by an attacker). Deny on doubt: when the account, the protected users or
 * the protected groups' members cannot be read, every user target counts as protected until they can,
 * and the reason says so.
 */
export class Guard {
  private groupCache: { at: number; members: Map<string, string> } | undefined;
  /** Resolved once; `openWarden` reads it at start so an entry naming nobody stops Warden there. */
  readonly protectedUsers: ProtectedUsers;

  constructor(
    private readonly principals: ProtectedPrincipals,
    private readonly graph: Pick<GraphDirectory, "transitiveMemberIds" | "user">,
    private readonly now: () => number = Date.now,
  ) {
    this.protectedUsers = new ProtectedUsers(principals.users, graph);
  }

  async check(target: ActionTarget, resolvedId?: string): Promise<GuardVerdict> {
    if (target.kind === "tenant") return { protected: false };
    let account: string | undefined;
    try {
      account = resolvedId ?? (await this.accountOf(target));
    } catch (error) {
      return doubt(`its account could not be read (${(error as Error).message})`);
    }
    const ids = [...new Set([target.id, account].flatMap((x) => (x === undefined ? [] : [x.toLowerCase()])))];
    // No account answers to the name: nothing can be acted on (the responder resolves the same name).
    if (ids.length === 0) return { protected: false };
    const is = (list: Iterable<string>) => [...list].some((p) => ids.includes(p.toLowerCase()));
    if (is(this.principals.breakGlassIds))
      return { protected: true, reason: "a break-glass (emergency access) account" };
    if (is(this.principals.servicePrincipalIds))
      return {
        protected: true,
        reason: "a protected service principal (Warden's own identity or a configured one)",
      };
    let users: ReadonlySet<string>;
    try {
      users = await this.protectedUsers.ids();
    } catch (error) {
      return doubt(`the protected users could not be read (${(error as Error).message})`);
    }
    if (is(users)) return { protected: true, reason: "a protected user in Warden's configuration" };
    if (this.principals.groupIds.length === 0) return { protected: false };
    let members: Map<string, string>;
    try {
      members = await this.protectedGroupMembers();
    } catch (error) {
      return doubt(`membership of the protected groups could not be checked (${(error as Error).message})`);
    }
    for (const id of ids) {
      const group = members.get(id);
      if (group !== undefined) return { protected: true, reason: `a member of the protected group ${group}` };
    }
    return { protected: false };
  }

  /** The object id of the account a target names: its id, else the user its UPN resolves to (undefined: none). */
  private async accountOf(target: ActionTarget & { kind: "user" }): Promise<string | undefined> {
    if (target.id !== undefined) return target.id;
    if (target.userPrincipalName === undefined) return undefined;
    return (await this.graph.user(target.userPrincipalName))?.id;
  }

  /** Every member of every protected group, nested groups opened (Graph's transitiveMembers), cached a minute. */
  private async protectedGroupMembers(): Promise<Map<string, string>> {
    const cached = this.groupCache;
    if (cached !== undefined && this.now() - cached.at < CACHE_MS) return cached.members;
    const members = new Map<string, string>();
    for (const groupId of this.principals.groupIds) {
      for (const id of await this.graph.transitiveMemberIds(groupId)) members.set(id.toLowerCase(), groupId);
    }
    this.groupCache = { at: this.now(), members };
    return members;
  }
}

const doubt = (what: string): GuardVerdict => ({
  protected: true,
  reason: `not known to be unprotected: ${what}; nothing is done until it can be checked`,
});

import type { GraphDirectory, GraphUser } from "../cloud/graph-directory.js";
import { isExternalUpn } from "../detect/identity.js";

export type ApproverVerdict = { ok: true } | { ok: false; reason: string };

const CACHE_MS = 60_000;

/**
 * Who may decide on incidents: members of the approver group, directly or through nested groups (read
 * through Graph, cached a minute), or the configured list. On any doubt (no identity on the click, the
 * group cannot be read) the answer is no, with the reason, which the card shows.
 */
export class ApproverCheck {
  private cache: { at: number; members: Set<string> } | undefined;

  constructor(
    private readonly settings: { approverGroupId?: string; approvers: readonly string[] },
    private readonly graph: Pick<GraphDirectory, "transitiveMemberIds" | "user">,
    private readonly now: () => number = Date.now,
  ) {}

  async check(objectId: string | undefined): Promise<ApproverVerdict> {
    if (objectId === undefined || objectId === "") {
      return { ok: false, reason: "the click carries no Entra identity, so it cannot be checked" };
    }
    const id = objectId.toLowerCase();
    if (this.settings.approvers.includes(id)) return { ok: true };
    const group = this.settings.approverGroupId;
    if (group === undefined) {
      // Said to whoever clicked: what to do, in their words. The settings are the operator's to know
      // (docs/deploy.md), not something to show any member of the tenant who clicks.
      return { ok: false, reason: "you are not an approver: ask whoever runs Warden to add you" };
    }
    try {
      const members = await this.groupMembers(group);
      if (!members.has(id)) return { ok: false, reason: "you are not a member of the approver group" };
      // Nested groups widen who is in: their owners and Groups Administrators can add anyone, a guest
      // included. An external account decides nothing through the group (name it in WARDEN_APPROVERS).
      const user = await this.graph.user(id);
      if (user === undefined || isExternal(user)) {
        return {
          ok: false,
          reason: "an external or unknown account does not approve through the approver group",
        };
      }
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        reason: `the approver group could not be checked (${(error as Error).message}); nothing was done`,
      };
    }
  }

  private async groupMembers(groupId: string): Promise<Set<string>> {
    if (this.cache !== undefined && this.now() - this.cache.at < CACHE_MS) return this.cache.members;
    // Through nested groups too (transitiveMembers): admins are often put in a group that is itself a
    // member of the approver group, and reading direct members only refused them (issue 18, point 8).
    const members = new Set((await this.graph.transitiveMemberIds(groupId)).map((m) => m.toLowerCase()));
    this.cache = { at: this.now(), members };
    return members;
  }
}

/** A guest, an account made by invitation, or a #EXT# member: it signs in at another tenant. */
function isExternal(user: GraphUser): boolean {
  return (
    user.userType === "Guest" ||
    user.creationType === "Invitation" ||
    (user.externalUserState ?? null) !== null ||
    isExternalUpn(user.userPrincipalName ?? undefined)
  );
}

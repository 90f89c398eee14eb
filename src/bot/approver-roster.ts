import { TeamsInfo, type TurnContext } from "botbuilder";
import type { ApproverCheck } from "../respond/approvers.js";

/**
 * The Teams ids (MRIs, `29:…`) of the approvers among a channel's members: a card's `refresh.userIds`.
 * Teams refreshes a card automatically, as it is opened, only for the users listed there (at most 60:
 * "Universal Actions: user IDs in refresh", Microsoft Teams platform docs), so approvers see the current
 * card with its buttons and everyone else the read-only one it was posted as.
 *
 * Read from the roster (Bot Connector `pagedmembers`, through botbuilder's TeamsInfo), each member checked
 * with the same ApproverCheck as a click, and kept five minutes per channel. An empty list means none
 * could be found: the caller then posts the approvers' card to everyone, as every click is checked anyway.
 */

const KEEP_MS = 300_000;
const RETRY_MS = 60_000;
/** Teams' limit on `userIds`. */
export const MAX_REFRESH_USERS = 60;
/** Members read at most: a channel of thousands is not read whole for every card. */
const MAX_MEMBERS = 2_000;

export class ApproverRoster {
  private readonly cache = new Map<string, { at: number; ids: Promise<string[]> }>();

  constructor(
    private readonly approvers: Pick<ApproverCheck, "check">,
    private readonly now: () => number = Date.now,
  ) {}

  /** The approvers' MRIs in the turn's channel; [] when the roster cannot be read. */
  async of(context: TurnContext): Promise<string[]> {
    const channel = channelOf(context.activity.conversation?.id ?? "");
    const kept = this.cache.get(channel);
    if (kept !== undefined && this.now() - kept.at < KEEP_MS) return kept.ids;
    const ids = this.read(context).catch(() => {
      // Unread: tried again in a minute, not on every refresh of every card meanwhile.
      this.cache.set(channel, { at: this.now() - KEEP_MS + RETRY_MS, ids: Promise.resolve([]) });
      return [] as string[];
    });
    this.cache.set(channel, { at: this.now(), ids });
    return ids;
  }

  private async read(context: TurnContext): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    let read = 0;
    do {
      const page = await TeamsInfo.getPagedMembers(context, 500, token);
      for (const member of page.members) {
        read += 1;
        if (found.length >= MAX_REFRESH_USERS) break;
        // The roster names each member's Entra object id (`aadObjectId`; Microsoft's REST example calls
        // it `objectId`): the one identity a click is checked by.
        const objectId = member.aadObjectId ?? (member as { objectId?: string }).objectId;
        if (objectId === undefined || !member.id.startsWith("29:")) continue;
        if ((await this.approvers.check(objectId)).ok) found.push(member.id);
      }
      token = page.continuationToken;
    } while (token !== undefined && token !== "" && found.length < MAX_REFRESH_USERS && read < MAX_MEMBERS);
    return found;
  }
}

/** A channel thread (`19:…;messageid=…`) has its channel's members. */
function channelOf(conversationId: string): string {
  return conversationId.split(";")[0] ?? conversationId;
}

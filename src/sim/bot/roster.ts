import type { Express, Request, Response } from "express";

/**
 * The Bot Connector's roster of a Teams channel, simulated: `GET /v3/conversations/{id}/members` and
 * `GET /v3/conversations/{id}/pagedmembers`, as botbuilder's `TeamsInfo.getMembers` and
 * `TeamsInfo.getPagedMembers` (botbuilder/lib/teamsInfo.js) call them.
 *
 * Sources (Microsoft Learn, "Get Teams specific context for your bot", and "Changes to Teams Bot APIs
 * for fetching team or chat members"; msteams-docs, bots/how-to/get-teams-context.md):
 * - A member is a TeamsChannelAccount: `id` (the Teams user id, `29:...`), `name`, the Entra object id,
 *   `givenName`, `surname`, `email`, `userPrincipalName`, `tenantId` and `userRole` (`user`, `guest` or
 *   `anonymous`).
 * - The roster example names the object id `objectId`; botbuilder's schema (ChannelAccount) and the
 *   meeting participant example call it `aadObjectId`, and `TeamsInfo.getMembers` copies `objectId` into
 *   `aadObjectId` while `getPagedMembers` does not. Both names are sent, so either client reads it.
 * - Paging: `pageSize` below 50 counts as 50, above 500 as 500, 200 when not given; the answer is
 *   `{continuationToken, members}`, and the last page has no `continuationToken` (the documented loop,
 *   `while (continuationToken !== undefined)`, would not end on a null).
 * - A thread's conversation id (`19:...@thread.tacv2;messageid=...`) is the channel's: its members are the
 *   channel's.
 * - Every call carries the bot's token (Bot Framework REST API authentication); without it, 401.
 * Simulator's own choices: an unknown conversation answers 404, an unreadable continuation token 400.
 */

/** A channel member as the connector describes them. */
export interface TeamsMember {
  /** The Teams user id, `29:...`. */
  id: string;
  name: string;
  /** The Entra object id. */
  aadObjectId: string;
  userPrincipalName: string;
  email: string;
  givenName?: string;
  surname?: string;
  tenantId?: string;
  userRole?: "user" | "guest" | "anonymous";
}

const PAGE = { min: 50, max: 500, default: 200 };

/** The channel a conversation id belongs to: a thread (`;messageid=`) is its channel's. */
export function channelOf(conversationId: string): string {
  return conversationId.split(";messageid=")[0] ?? conversationId;
}

/** The member as the wire carries it: the object id under both names (see above). */
function onTheWire(member: TeamsMember): Record<string, unknown> {
  return { ...member, objectId: member.aadObjectId };
}

function pageSizeOf(raw: unknown): number {
  const n = typeof raw === "string" && raw !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) return PAGE.default;
  return Math.min(PAGE.max, Math.max(PAGE.min, Math.floor(n)));
}

/** An opaque token, as Teams gives one: the offset of the next page, which clients must not read. */
function tokenFor(offset: number): string {
  return Buffer.from(`warden-sim-roster:${offset}`).toString("base64url");
}

function offsetOf(token: string): number | undefined {
  const match = /^warden-sim-roster:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match === null ? undefined : Number(match[1]);
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Adds the roster routes to the connector's app. `rosters` maps a channel id to its members (read at
 * each request, so a test may change it); `botToken` is the bearer token the bot must send.
 */
export function addRosterRoutes(
  app: Express,
  rosters: ReadonlyMap<string, readonly TeamsMember[]>,
  botToken: () => string,
): void {
  const membersOf = (req: Request, res: Response): readonly TeamsMember[] | undefined => {
    if (req.headers.authorization !== `Bearer ${botToken()}`) {
      refuse(res, 401, "Unauthorized", "Authorization has been denied for this request.");
      return undefined;
    }
    const members = rosters.get(channelOf(String(req.params["conversationId"])));
    if (members === undefined) refuse(res, 404, "ConversationNotFound", "Conversation not found.");
    return members;
  };
  app.get("/v3/conversations/:conversationId/members", (req, res) => {
    const members = membersOf(req, res);
    if (members !== undefined) res.status(200).json(members.map(onTheWire));
  });
  app.get("/v3/conversations/:conversationId/pagedmembers", (req, res) => {
    const members = membersOf(req, res);
    if (members === undefined) return;
    const size = pageSizeOf(req.query["pageSize"]);
    const token = req.query["continuationToken"];
    const offset = typeof token === "string" && token !== "" ? offsetOf(token) : 0;
    if (offset === undefined) {
      refuse(res, 400, "BadArgument", "The continuation token is not valid.");
      return;
    }
    const page = members.slice(offset, offset + size);
    const next = offset + size < members.length ? { continuationToken: tokenFor(offset + size) } : {};
    res.status(200).json({ ...next, members: page.map(onTheWire) });
  });
}

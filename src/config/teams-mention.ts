import { ConfigError, type EnvValue } from "./readers.js";

/**
 * The Teams tag Warden @mentions in each new or escalated incident's message, so that the people who hold
 * the tag (the approvers on call) are notified rather than only the channel's followers.
 *
 * How a bot mentions a tag in Teams (Microsoft Learn, "Channel and group chat conversations with a bot",
 * section "Tag mention"; sample OfficeDev/Microsoft-Teams-Samples, samples/bot-tag-mention): the message
 * carries `<at>NAME</at>` in its text (or in a TextBlock of its Adaptive Card) and, in `entities` (for a
 * card, in the card's `msteams.entities`), the entity
 * `{type: "mention", text: "<at>NAME</at>", mentioned: {id: TAG_ID, name: NAME, type: "tag"}}`; without
 * `type: "tag"` Teams takes the id for a user's. The entity's `text` must match the text exactly, or the
 * mention is ignored. Limits: channel messages only (not chats, nor shared or private channels), not in
 * an invoke's answer (so never in the card a click returns), at most 10 tags a message, and a bot may send
 * 2 tag-mentioning messages per thread in 5 s and 5 in 60 s.
 *
 * The id is the tag's id in Microsoft Graph (`GET /teams/{team-id}/tags`, teamworkTag.id): base64 of the
 * tenant, team and tag ids (for example `MjQzMmI1N2ItMGFiZC00M2Ri...NQ==`). The name is the tag's display
 * name, which Graph limits to 40 characters.
 */
export interface TeamsMentionTag {
  id: string;
  name: string;
}

/**
 * Base64's alphabet with its padding. Padding is not checked against the length: one of Graph's own
 * documented tag ids (teamworktag-post) is not a multiple of four long.
 */
const TAG_ID = /^[A-Za-z0-9+/]{16,1024}={0,2}$/;
const NAME_LIMIT = 40;

const ID_HELP =
  "a Teams tag's id, as Microsoft Graph lists it (GET /teams/{team-id}/tags: the base64 value of `id`, such as MjQzMmI1N2ItMGFi...NQ==), not the tag's name or a GUID";

/** WARDEN_TEAMS_MENTION_TAG_ID and WARDEN_TEAMS_MENTION_TAG_NAME, both or neither. */
export function parseTeamsMentionTag(value: EnvValue): TeamsMentionTag | undefined {
  const id = value("WARDEN_TEAMS_MENTION_TAG_ID")?.trim();
  const name = value("WARDEN_TEAMS_MENTION_TAG_NAME")?.trim();
  if (id === undefined || id === "") {
    if (name !== undefined && name !== "")
      throw new ConfigError(
        "WARDEN_TEAMS_MENTION_TAG_NAME is set without WARDEN_TEAMS_MENTION_TAG_ID: set the tag's id too (GET /teams/{team-id}/tags in Microsoft Graph), or unset the name",
      );
    return undefined;
  }
  if (!TAG_ID.test(id)) throw new ConfigError(`WARDEN_TEAMS_MENTION_TAG_ID must be ${ID_HELP}; got "${id}"`);
  if (name === undefined || name === "")
    throw new ConfigError(
      "WARDEN_TEAMS_MENTION_TAG_ID needs WARDEN_TEAMS_MENTION_TAG_NAME: the tag's display name as Teams shows it (the text of the @mention)",
    );
  if ([...name].length > NAME_LIMIT)
    throw new ConfigError(
      `WARDEN_TEAMS_MENTION_TAG_NAME must be at most ${NAME_LIMIT} characters (Teams' limit for a tag's name), got ${[...name].length}`,
    );
  // The name goes between <at> and </at> in the message: markup or a line break there would break it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[<>\u0000-\u001f\u007f]/.test(name))
    throw new ConfigError(
      `WARDEN_TEAMS_MENTION_TAG_NAME must be the tag's plain display name, without "<", ">" or line breaks; got "${name}"`,
    );
  return { id, name };
}

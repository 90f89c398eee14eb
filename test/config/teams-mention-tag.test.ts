import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

/** WARDEN_TEAMS_MENTION_TAG_ID and _NAME: a Teams tag's Graph id and its display name, or nothing. */

// Graph's example teamworkTag id (List teamworkTags): base64 of tenant##team##tag.
const TAG_ID =
  "MjQzMmI1N2ItMGFiZC00M2RiLWFhN2ItMTZlYWRkMTE1ZDM0IyNlYjY1M2Y5Mi04MzczLTRkZTYtYmZlYy01YjRkMjE2YjZhZGUjIzk3ZjYyMzQ0LTU3ZGMtNDA5Yy04OGFkLWM0YWYxNDE1OGZmNQ==";

const bot = (env: Record<string, string>) => loadConfig({ env }).bot;

describe("the Teams tag to mention", () => {
  it("is read as {id, name} on the bot's config, and is absent when unset", () => {
    expect(
      bot({ WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: " SOC on call " }),
    ).toMatchObject({ teamsMentionTag: { id: TAG_ID, name: "SOC on call" } });
    expect(bot({}).teamsMentionTag).toBeUndefined();
    expect(
      "teamsMentionTag" in bot({ WARDEN_TEAMS_MENTION_TAG_ID: "", WARDEN_TEAMS_MENTION_TAG_NAME: "" }),
    ).toBe(false);
    // Graph's other documented id is not padded to a multiple of four: still a tag id.
    const unpadded =
      "MjQzMmI1N2ItMGFiZC00M2RiLWFhN2ItMTZlYWRkMTE1ZDM0IyM3ZDg4M2Q4Yi1hMTc5LTRkZDctOTNiMy1hOGQzZGUxYTIxMmUjI3RhY29VSjN2RGk==";
    expect(
      bot({ WARDEN_TEAMS_MENTION_TAG_ID: unpadded, WARDEN_TEAMS_MENTION_TAG_NAME: "Finance" }).teamsMentionTag
        ?.id,
    ).toBe(unpadded);
  });

  it("refuses anything but a tag id and its plain name, saying what to set", () => {
    const cases: [Record<string, string>, RegExp][] = [
      // The tag's name, a GUID (the team's or a user's), or a URL where the id belongs.
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: "SOC on call", WARDEN_TEAMS_MENTION_TAG_NAME: "SOC" },
        /^WARDEN_TEAMS_MENTION_TAG_ID must be a Teams tag's id.*GET \/teams\/\{team-id\}\/tags.*got "SOC on call"$/,
      ],
      [
        {
          WARDEN_TEAMS_MENTION_TAG_ID: "53c53217-fe77-4383-bc5a-ed4937a1aecd",
          WARDEN_TEAMS_MENTION_TAG_NAME: "SOC",
        },
        /not the tag's name or a GUID/,
      ],
      [
        {
          WARDEN_TEAMS_MENTION_TAG_ID: "https://teams.microsoft.com/l/tag/x",
          WARDEN_TEAMS_MENTION_TAG_NAME: "SOC",
        },
        /must be a Teams tag's id/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: "abc=", WARDEN_TEAMS_MENTION_TAG_NAME: "SOC" },
        /must be a Teams tag's id/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: `${TAG_ID}=`, WARDEN_TEAMS_MENTION_TAG_NAME: "SOC" },
        /must be a Teams tag's id/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID },
        /^WARDEN_TEAMS_MENTION_TAG_ID needs WARDEN_TEAMS_MENTION_TAG_NAME/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_NAME: "SOC on call" },
        /^WARDEN_TEAMS_MENTION_TAG_NAME is set without WARDEN_TEAMS_MENTION_TAG_ID/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: "x".repeat(41) },
        /at most 40 characters.*got 41$/,
      ],
      [
        { WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: "<at>SOC</at>" },
        /without "<", ">" or line breaks/,
      ],
      [{ WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: "SOC >" }, /without "<", ">"/],
      [{ WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: "SOC\non call" }, /line breaks/],
    ];
    for (const [env, message] of cases) {
      expect(() => bot(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => bot(env), JSON.stringify(env)).toThrow(message);
    }
    // Forty characters, accents counted as one each, are a name Teams allows.
    const forty = "é".repeat(40);
    expect(
      bot({ WARDEN_TEAMS_MENTION_TAG_ID: TAG_ID, WARDEN_TEAMS_MENTION_TAG_NAME: forty }).teamsMentionTag
        ?.name,
    ).toBe(forty);
  });
});

import { createRequire } from "node:module";

/**
 * botbuilder-js serializes every outgoing activity through botframework-connector's mappers, and its
 * ChannelAccount mapper knows only id, name, aadObjectId, role and properties: a tag mention's
 * `mentioned.type: "tag"` (Teams platform docs, "Tag mention") is silently dropped on the way out, and
 * Teams then takes the tag's id for a user's. Checked on this machine with botbuilder 4.23 and the
 * simulated connector (test/bot/tag-mention.test.ts). The mapper is declared here once more with `type`,
 * so the property is sent; a user mention carries no `type` and is sent as before.
 */
const require = createRequire(import.meta.url);
const mappers = require("botframework-connector/lib/connectorApi/models/mappers.js") as {
  ChannelAccount: { type: { modelProperties: Record<string, unknown> } };
};

export function sendMentionTypes(): void {
  mappers.ChannelAccount.type.modelProperties["type"] ??= {
    serializedName: "type",
    type: { name: "String" },
  };
}

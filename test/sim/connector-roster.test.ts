import { type ConversationReference, TeamsInfo, type TurnContext } from "botbuilder";
import { ConnectorClient } from "botframework-connector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapter } from "../../src/bot/adapter.js";
import { parseBotConfig } from "../../src/config/bot.js";
import { envValue } from "../../src/config/readers.js";
import { FakeConnector, type TeamsMember } from "../../src/sim/bot/connector.js";

/**
 * The simulated connector's roster, read through botbuilder's own clients as a bot would: TeamsInfo in a
 * turn of Warden's adapter (which signs with the simulator's token), and a bare ConnectorClient for what
 * a bot without the right token gets.
 */

const APP_ID = "d3e0d3e0-0000-4000-8000-00000000d3e0";
const CHANNEL = "19:soc@thread.tacv2";
const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

const person = (n: number): TeamsMember => {
  const aadObjectId = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    id: `29:${aadObjectId}`,
    name: `Person ${n}`,
    aadObjectId,
    userPrincipalName: `person${n}@contoso-lab.onmicrosoft.com`,
    email: `person${n}@contoso-lab.onmicrosoft.com`,
    tenantId: TENANT,
    userRole: n === 7 ? "guest" : "user",
  };
};
const ROSTER = Array.from({ length: 130 }, (_, i) => person(i + 1));

let connector: FakeConnector;

beforeAll(async () => {
  connector = new FakeConnector();
  await connector.start();
  connector.setRoster(CHANNEL, ROSTER);
});
afterAll(async () => connector.close());

/** Runs `logic` in a proactive turn of Warden's adapter, in a thread of the channel. */
async function inThread<T>(logic: (context: TurnContext) => Promise<T>): Promise<T> {
  const config = parseBotConfig(
    envValue({
      MICROSOFT_APP_ID: APP_ID,
      WARDEN_BOT_OPENID_METADATA_URL: "http://127.0.0.1:9/v1/.well-known/openidconfiguration",
    }),
  );
  const adapter = createAdapter(config, { error: () => undefined } as never);
  const reference: Partial<ConversationReference> = {
    channelId: "msteams",
    serviceUrl: connector.url,
    bot: { id: `28:${APP_ID}`, name: "Warden" },
    conversation: {
      id: `${CHANNEL};messageid=1700000000000`,
      isGroup: true,
      conversationType: "channel",
    } as never,
  };
  let result: T | undefined;
  await adapter.continueConversationAsync(APP_ID, reference, async (context) => {
    result = await logic(context);
  });
  return result as T;
}

/** A client signing every request with `token`. */
function clientWith(token: string): ConnectorClient {
  const credentials = {
    signRequest: async <R extends { headers: { set(name: string, value: string): void } }>(request: R) => {
      request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  return new ConnectorClient(credentials as never, { baseUri: connector.url });
}

describe("the simulated connector's roster", () => {
  it("pages a thread's channel members through TeamsInfo.getPagedMembers, as Teams pages them", async () => {
    const pages = await inThread(async (context) => {
      const sizes: number[] = [];
      const members: { id?: string; aadObjectId?: string; userPrincipalName?: string; userRole?: string }[] =
        [];
      let token: string | undefined;
      do {
        const page = await TeamsInfo.getPagedMembers(context, 60, token);
        sizes.push(page.members.length);
        members.push(...page.members);
        token = page.continuationToken;
      } while (token !== undefined);
      const small = await TeamsInfo.getPagedMembers(context, 10);
      const unasked = await TeamsInfo.getPagedMembers(context);
      return { sizes, members, small: small.members.length, unasked: unasked.members.length };
    });
    expect(pages.sizes).toEqual([60, 60, 10]);
    // Below 50 counts as 50; not given, 200.
    expect(pages.small).toBe(50);
    expect(pages.unasked).toBe(130);
    expect(pages.members.map((m) => m.id)).toEqual(ROSTER.map((m) => m.id));
    expect(pages.members[6]).toMatchObject({
      id: ROSTER[6]?.id,
      aadObjectId: ROSTER[6]?.aadObjectId,
      userPrincipalName: "person7@contoso-lab.onmicrosoft.com",
      userRole: "guest",
    });
  });

  it("lists the members at once through TeamsInfo.getMembers (/members), object id under both names", async () => {
    const members = await inThread((context) => TeamsInfo.getMembers(context));
    expect(members).toHaveLength(130);
    expect(members[0]).toMatchObject({
      id: ROSTER[0]?.id,
      name: "Person 1",
      aadObjectId: ROSTER[0]?.aadObjectId,
      objectId: ROSTER[0]?.aadObjectId,
      email: "person1@contoso-lab.onmicrosoft.com",
    });
  });

  it("refuses a caller without the bot's token (401), and answers 404 for a conversation it does not know", async () => {
    const wrong = clientWith("someone-else");
    await expect(wrong.conversations.getConversationPagedMembers(CHANNEL)).rejects.toMatchObject({
      statusCode: 401,
    });
    await expect(wrong.conversations.getConversationMembers(CHANNEL)).rejects.toMatchObject({
      statusCode: 401,
    });
    const right = clientWith(connector.botToken);
    expect((await right.conversations.getConversationMembers(CHANNEL)).length).toBe(130);
    await expect(right.conversations.getConversationMembers("19:other@thread.tacv2")).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      right.conversations.getConversationPagedMembers(CHANNEL, {
        pageSize: 50,
        continuationToken: "not-a-token",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

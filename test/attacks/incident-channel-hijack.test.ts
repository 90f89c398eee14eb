import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { createWebApp, listen } from "../../src/server/web.js";
import { BotTokenIssuer } from "../../src/sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { createIncident, transitionIncident } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres } from "../helpers/services.js";

/**
 * Issue 17, finding 1: any member of the tenant could move the incident cards to their own team. Every
 * conversation the bot saw in Warden's tenant was remembered before any approver check, and new
 * incidents went to the channel that spoke last: a non-approver who added Warden to a team they own and
 * said "hi" there received the next incident's thread, and the SOC channel got none.
 * Through /api/messages with tokens signed by the simulated Bot Framework token service, and what the
 * simulated Bot Connector received.
 */

const BOT_APP_ID = "b07ba5e1-0000-4000-8000-0000000000f1";
const TENANT = "f1f1f1f1-0000-4000-8000-0000000000f1";
const ANALYST = { id: "5a5a5a5a-0000-4000-8000-0000000000f1", name: "SOC Analyst" };
const MALLORY = { id: "3a11041e-0000-4000-8000-0000000000f1", name: "Mallory" };
const SOC = "19:soc-channel@thread.tacv2";
const MALLORY_CHANNEL = "19:mallory-general@thread.tacv2";
const MALLORY_OTHER = "19:mallory-random@thread.tacv2";
const CONFIGURED = "19:configured-soc@thread.tacv2";
/** Mallory's team, named to pass for a message of Microsoft's if it were rendered as markdown. */
const HOSTILE_TEAM = "**Security** [Verify](https://evil.example/login)";

const issuer = new BotTokenIssuer();
const connector = new FakeConnector();
const wardens: { warden: Warden; server: Server; drop: () => Promise<void> }[] = [];

beforeAll(async () => {
  await issuer.start();
  await connector.start();
});

afterAll(async () => {
  for (const w of wardens) {
    w.server.close();
    await w.warden.close();
    await w.drop();
  }
  await connector.close();
  await issuer.close();
});

async function startBot(env: Record<string, string> = {}) {
  // PostgreSQL rather than the embedded store: it opens in a fraction of PGlite's time.
  const database = await freshPostgres();
  const warden = await openWarden(
    loadConfig({
      env: {
        WARDEN_TENANT_ID: TENANT,
        DATABASE_URL: database.url,
        MICROSOFT_APP_ID: BOT_APP_ID,
        WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
        WARDEN_APPROVERS: ANALYST.id,
        ...env,
      },
    }),
    quietLogger("error"),
  );
  startWorker(warden);
  const server = await listen(createWebApp(warden), 0, "127.0.0.1");
  wardens.push({ warden, server, drop: database.drop });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  const post = async (activity: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${issuer.channelToken(BOT_APP_ID, connector.url)}`,
      },
      body: JSON.stringify(activity),
    });
    expect(res.status).toBe(200);
  };
  return { warden, post };
}

function inChannel(
  channel: string,
  team: string,
  who: { id: string; name: string },
  extra: Record<string, unknown>,
) {
  return {
    channelId: "msteams",
    serviceUrl: connector.url,
    recipient: { id: `28:${BOT_APP_ID}`, name: "Warden" },
    from: { id: `29:${who.id}`, aadObjectId: who.id, name: who.name },
    conversation: { id: channel, conversationType: "channel", tenantId: TENANT, isGroup: true },
    channelData: {
      tenant: { id: TENANT },
      team: { id: `19:team-of-${channel}`, name: team },
      channel: { id: channel, name: "General" },
    },
    id: String(Date.now()),
    timestamp: new Date().toISOString(),
    ...extra,
  };
}
const install = (channel: string, team: string, who: { id: string; name: string }) =>
  inChannel(channel, team, who, {
    type: "conversationUpdate",
    membersAdded: [{ id: `28:${BOT_APP_ID}` }],
  });
const say = (channel: string, team: string, who: { id: string; name: string }, text: string) =>
  inChannel(channel, team, who, { type: "message", text });

async function newIncident(warden: Warden, id: string) {
  await createIncident(warden.db, id, TENANT, {
    severity: "high",
    confidence: 0.9,
    firstTime: Date.now(),
    lastTime: Date.now(),
    findingIds: [],
    rules: ["guest-privileged-role"],
  });
  await transitionIncident(warden.db, id, ["open"], "pending", { action: "awaiting-approval" });
  await warden.queue.add(QUEUE.notify, "notify", { incidentId: id }, { dedupeKey: `notify:${id}` });
}

const cardsIn = (prefix: string) =>
  connector.sent.filter(
    (s) =>
      s.conversationId.startsWith(prefix) &&
      JSON.stringify(s.activity).includes("application/vnd.microsoft.card.adaptive"),
  );
const textsTo = (channel: string) =>
  connector.sent.filter((s) => s.conversationId === channel).map((s) => String(s.activity["text"] ?? ""));

describe("the incident channel", () => {
  it("stays where an approver installed Warden; a non-approver's team gets no card and is reported", async () => {
    const { warden, post } = await startBot();
    await post(install(SOC, "SOC", ANALYST));
    // Mallory, a member of the tenant but no approver, adds Warden to her team and talks to it there,
    // then talks to it in another channel of hers without any installation event.
    await post(install(MALLORY_CHANNEL, HOSTILE_TEAM, MALLORY));
    // Teams announces the same installation a second time: reported once.
    await post(
      inChannel(MALLORY_CHANNEL, HOSTILE_TEAM, MALLORY, { type: "installationUpdate", action: "add" }),
    );
    await post(say(MALLORY_CHANNEL, HOSTILE_TEAM, MALLORY, "hi"));
    await post(say(MALLORY_OTHER, HOSTILE_TEAM, MALLORY, "hi"));
    await newIncident(warden, "inc-after-mallory");
    await until(async () => cardsIn(SOC).length + cardsIn("19:mallory").length > 0, 20_000, "the card");
    expect(cardsIn(`${SOC};messageid=`).length).toBe(1);
    expect(cardsIn("19:mallory")).toEqual([]);
    // The SOC channel heard of both of Mallory's channels, her name and her team's shown as text.
    const notices = textsTo(SOC).filter((t) => t.includes("another team"));
    expect(notices).toEqual([
      expect.stringContaining("**Warden was added to another team**"),
      expect.stringContaining("**Someone talked to Warden in another team**"),
    ]);
    for (const notice of notices) {
      expect(notice).toContain("team \\*\\*Security\\*\\* \\[Verify\\]\\(https\\://evil\\.example/login\\)");
      expect(notice).toContain(`Mallory (${MALLORY.id.replace(/-/g, "\\-")})`);
      expect(notice).not.toContain(HOSTILE_TEAM);
    }
    // Mallory's channel got its answer to "hi" (help), nothing about incidents.
    expect(textsTo(MALLORY_CHANNEL).join("\n")).toContain("Warden** answers");
    expect(textsTo(MALLORY_CHANNEL).join("\n")).not.toContain("another team");
  }, 60_000);

  it("stays the configured channel when an approver installs Warden elsewhere", async () => {
    const { warden, post } = await startBot({
      WARDEN_TEAMS_CHANNEL_ID: CONFIGURED,
      WARDEN_TEAMS_SERVICE_URL: connector.url,
    });
    const before = connector.sent.length;
    await post(install("19:analyst-sandbox@thread.tacv2", "Sandbox", ANALYST));
    await newIncident(warden, "inc-configured");
    await until(
      async () => connector.sent.slice(before).some((s) => JSON.stringify(s.activity).includes("adaptive")),
      20_000,
      "the card",
    );
    const cards = connector.sent
      .slice(before)
      .filter((s) => JSON.stringify(s.activity).includes("application/vnd.microsoft.card.adaptive"));
    expect(cards.map((c) => c.conversationId)).toEqual([expect.stringMatching(/^19:configured-soc@/)]);
    expect(textsTo(CONFIGURED)).toEqual([expect.stringContaining("**Warden was added to another team**")]);
  }, 60_000);
});

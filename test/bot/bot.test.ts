import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createWebApp, listen } from "../../src/server/web.js";
import { BotTokenIssuer, signJwt } from "../../src/sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { conversationsOf } from "../../src/store/conversations-repo.js";
import { auditTrail, type IncidentRow, listIncidents } from "../../src/store/incidents-repo.js";
import { administratorTakesAskedSteps } from "../helpers/administrator.js";
import { quietLogger } from "../helpers/logs.js";
import { type PlayedSim, playingSim, settle, until } from "../helpers/pipeline.js";

/**
 * The Teams bot against a simulated Bot Connector and a simulated Bot Framework token service: inbound
 * authentication (every forged form refused with 401 before the bot sees it), installation, incident
 * cards posted to the channel, and approval by clicks that are checked against the store.
 */

const BOT_APP_ID = "b07ba5e1-0000-4000-8000-00000000b07b";
const ANALYST = { id: "5a5a5a5a-0000-4000-8000-00000000a11e", name: "SOC Analyst" };
const OUTSIDER = { id: "0d0d0d0d-0000-4000-8000-0000000000d0", name: "Someone Else" };
/** A member of the approver group in the simulated tenant (not in the list). */
const LEAD = { id: "1ead1ead-0000-4000-8000-0000000001ea", name: "SOC Lead" };
const CHANNEL = "19:soc-channel@thread.tacv2";

let played: PlayedSim;
let warden: Warden;
let issuer: BotTokenIssuer;
let connector: FakeConnector;
let server: Server;
let url: string;
let dataDir: string;
let adminId: string;

const attack = (name: string) => {
  const found = played.day.attacks.find((a) => a.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

beforeAll(async () => {
  issuer = new BotTokenIssuer();
  await issuer.start();
  connector = new FakeConnector();
  await connector.start();
  played = await playingSim(81, 5_000);
  adminId = attack("guest-admin").actorId;
  // The approver group, as the tenant holds it: Graph answers who is in it.
  played.sim.directory.users.set(LEAD.id, {
    id: LEAD.id,
    displayName: LEAD.name,
    userPrincipalName: "soc.lead@contoso-lab.onmicrosoft.com",
    mail: null,
    userType: "Member",
    accountEnabled: true,
    createdDateTime: new Date().toISOString(),
    creationType: null,
    externalUserState: null,
    signInSessionsValidFromDateTime: new Date().toISOString(),
  });
  const approvers = played.sim.directory.createGroup(
    {
      kind: "user",
      user: {
        id: LEAD.id,
        displayName: LEAD.name,
        userPrincipalName: "soc.lead@contoso-lab.onmicrosoft.com",
        userType: "Member",
      },
    },
    { displayName: "SOC approvers", mailNickname: "soc-approvers" },
  );
  approvers.members.add(LEAD.id);
  dataDir = `/tmp/warden-bot-${process.pid}-${Date.now()}`;
  const config = loadConfig({
    env: {
      ...played.env,
      WARDEN_DATA_DIR: dataDir,
      MICROSOFT_APP_ID: BOT_APP_ID,
      WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
      // The compromised admin and a guest are listed too: the bot must still refuse them their own incidents.
      WARDEN_APPROVERS: `${ANALYST.id},${adminId},${attack("guest-admin").subjectId}`,
      WARDEN_APPROVER_GROUP_ID: approvers.id,
      // As behind a reverse proxy on this host: the flood test names its clients in X-Forwarded-For.
      WARDEN_TRUST_PROXY: "loopback",
    },
  });
  warden = await openWarden(config, quietLogger("warn"));
  startWorker(warden);
  server = await listen(createWebApp(warden), 0, "127.0.0.1");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.close();
  await warden?.close();
  await played?.sim.close();
  await connector?.close();
  await issuer?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function activity(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    channelId: "msteams",
    serviceUrl: connector.url,
    recipient: { id: `28:${BOT_APP_ID}`, name: "Warden" },
    conversation: { id: CHANNEL, conversationType: "channel", tenantId: played.tenantId, isGroup: true },
    channelData: {
      tenant: { id: played.tenantId },
      channel: { id: CHANNEL },
      team: { id: "19:team@thread.tacv2" },
    },
    id: String(Date.now()),
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

async function post(
  body: unknown,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/api/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let answer: unknown = text === "" ? undefined : text;
  try {
    answer = JSON.parse(text);
  } catch {
    // Refusals answer in plain text.
  }
  return { status: res.status, body: answer };
}

const validToken = () => issuer.channelToken(BOT_APP_ID, connector.url);

function click(
  incident: IncidentRow,
  verb: string,
  who: { id: string; name: string },
  data: Record<string, unknown> = {},
) {
  return post(
    activity({
      type: "invoke",
      name: "adaptiveCard/action",
      from: { id: `29:${who.id}`, aadObjectId: who.id, name: who.name },
      value: {
        action: {
          type: "Action.Execute",
          verb,
          data: { incidentId: incident.id, version: incident.version, ...data },
        },
      },
    }),
    validToken(),
  );
}

const cardText = (answer: { body: unknown }) =>
  JSON.stringify((answer.body as { value?: unknown } | undefined)?.value ?? answer.body);

describe("Bot Framework authentication on /api/messages", () => {
  const installation = () =>
    activity({
      type: "conversationUpdate",
      from: { id: "29:installer", aadObjectId: ANALYST.id },
      membersAdded: [{ id: `28:${BOT_APP_ID}` }],
    });

  it("refuses every forged or wrong token with 401, before the bot sees anything", async () => {
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const forged: [string, string | undefined][] = [
      ["missing", undefined],
      ["garbage", "not.a.token"],
      [
        "expired",
        issuer.channelToken(BOT_APP_ID, connector.url, { exp: now - 600, nbf: now - 7200, iat: now - 7200 }),
      ],
      ["wrong audience", issuer.channelToken("11111111-2222-4333-8444-555555555555", connector.url)],
      ["wrong serviceUrl", issuer.channelToken(BOT_APP_ID, "https://attacker.example/")],
      [
        "unknown key",
        signJwt(
          { iss: issuer.issuer, aud: BOT_APP_ID, serviceurl: connector.url, exp: now + 600, nbf: now - 60 },
          { alg: "RS256", kid: "unknown-key" },
          attacker,
        ),
      ],
      [
        "alg none",
        signJwt(
          { iss: issuer.issuer, aud: BOT_APP_ID, serviceurl: connector.url, exp: now + 600, nbf: now - 60 },
          { alg: "none", kid: issuer.keyId },
          attacker,
        ),
      ],
      ["attacker-signed with our key id", issuer.channelToken(BOT_APP_ID, connector.url, {}, attacker)],
    ];
    for (const [name, token] of forged) {
      const answer = await post(installation(), token);
      expect(answer.status, name).toBe(401);
    }
    expect(await conversationsOf(warden.db, played.tenantId)).toEqual([]);
    expect(connector.sent).toEqual([]);
  });

  it("accepts a valid token and remembers the channel it was installed in", async () => {
    const answer = await post(installation(), validToken());
    expect(answer.status).toBe(200);
    const stored = await conversationsOf(warden.db, played.tenantId, "channel");
    expect(stored.map((c) => c.conversationId)).toEqual([CHANNEL]);
  });

  it("answers a flood of forged requests 401 then 429, keeps serving Teams, and stays up", async () => {
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const forged = issuer.channelToken(BOT_APP_ID, connector.url, {}, attacker);
    const sentBefore = connector.sent.length;
    const statuses = new Map<number, number>();
    const flood = async (client: string, token: string | undefined, count: number) => {
      for (let sent = 0; sent < count; sent += 40) {
        const answers = await Promise.all(
          Array.from({ length: 40 }, () => post(installation(), token, { "x-forwarded-for": client })),
        );
        for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await flood("203.0.113.9", forged, 400);
    await flood("203.0.113.10", undefined, 200);
    await flood("203.0.113.11", "not-a-jwt", 200);
    // Refused every time, with the right status: 401 until each client's 30 refusals, then 429 (a batch
    // of 40 is in flight when the 30th lands, so up to 69 401s a client).
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    expect(statuses.get(401)).toBeGreaterThanOrEqual(90);
    expect(statuses.get(401)).toBeLessThanOrEqual(3 * 69);
    expect(statuses.get(429)).toBeGreaterThanOrEqual(800 - 3 * 69);
    expect(connector.sent.length).toBe(sentBefore);
    // Teams, from its own address, is served; the flooding address is refused even with a valid token
    // until its minute ends.
    expect((await post(installation(), validToken(), { "x-forwarded-for": "52.112.0.10" })).status).toBe(200);
    expect((await post(installation(), validToken(), { "x-forwarded-for": "203.0.113.9" })).status).toBe(429);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("refuses an oversized body with 413 and stays up", async () => {
    const big = activity({ type: "message", text: "x".repeat(400_000), from: { id: "29:x" } });
    expect((await post(big, validToken())).status).toBe(413);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe("incident cards and approval in the channel", () => {
  let pending: IncidentRow[];

  it("posts one card per incident, in its own thread of the installed channel", async () => {
    await startSchedules(warden);
    await settle(warden.db, warden.queue, played);
    await until(
      async () =>
        (await listIncidents(warden.db, played.tenantId)).filter((i) => i.state === "pending").length === 4,
      60_000,
      "four incidents waiting",
    );
    pending = (await listIncidents(warden.db, played.tenantId)).filter((i) => i.state === "pending");
    await until(
      async () => new Set(connector.sent.map((s) => s.conversationId)).size >= 4,
      30_000,
      "four cards",
    );
    const threads = new Set(connector.sent.map((s) => s.conversationId));
    expect([...threads].every((t) => t.startsWith(`${CHANNEL};messageid=`))).toBe(true);
    const first = connector.sent[0]?.activity as { attachments?: { contentType: string }[] };
    expect(first.attachments?.[0]?.contentType).toBe("application/vnd.microsoft.card.adaptive");
  }, 120_000);

  it("refuses a non-approver, the incident's own actor, a tampered id and an old card, and says why", async () => {
    const incident = pending.find(
      (i) => i.rules.includes("guest-privileged-role") && !i.rules.includes("subscription-hijack-chain"),
    );
    if (incident === undefined) throw new Error("no guest-admin incident");
    const outsider = await click(incident, "approve", OUTSIDER);
    expect(outsider.status).toBe(200);
    expect(cardText(outsider)).toContain("Refused: you are not a member of the approver group");
    const self = await click(incident, "approve", { id: adminId, name: "Marcus" });
    expect(cardText(self)).toContain("subject or the actor");
    const subject = await click(incident, "approve", {
      id: attack("guest-admin").subjectId,
      name: "the guest",
    });
    expect(cardText(subject)).toContain("subject or the actor");
    const tampered = await click({ ...incident, id: "inc-ffffffffffffffff" }, "approve", ANALYST);
    expect(cardText(tampered)).toContain("No such incident");
    const old = await click({ ...incident, version: incident.version - 1 }, "approve", ANALYST);
    expect(cardText(old)).toContain("out of date");
    const trail = await auditTrail(warden.db, incident.id);
    expect(trail.filter((e) => e.action === "refused").length).toBe(4);
    expect((await listIncidents(warden.db, played.tenantId)).find((i) => i.id === incident.id)?.state).toBe(
      "pending",
    );
  });

  it("an approver's click approves, says by whom, and the card in the channel turns contained for everyone", async () => {
    const incident = pending.find((i) => i.rules.includes("subscription-hijack-chain"));
    if (incident === undefined) throw new Error("no hijack incident");
    const answer = await click(incident, "approve", ANALYST);
    expect(answer.status).toBe(200);
    expect(cardText(answer)).toContain("Approved by SOC Analyst");
    // Microsoft lets no app block subscription transfers: the card asks a Global Administrator, step by
    // step, and the incident is only partly contained until the tenant shows the block.
    const stateOf = async () =>
      (await listIncidents(warden.db, played.tenantId)).find((i) => i.id === incident.id)?.state;
    await until(async () => (await stateOf()) === "partial", 60_000, "partly contained");
    await until(
      async () =>
        connector.sent.some(
          (s) =>
            s.method === "PUT" &&
            JSON.stringify(s.activity).includes("A Global Administrator must do this") &&
            JSON.stringify(s.activity).includes("Manage policies"),
        ),
      30_000,
      "the channel's card asking a Global Administrator",
    );
    const admin = played.day.breakGlass[0]?.id ?? "";
    expect(await administratorTakesAskedSteps(warden.db, played.sim.directory, admin)).toBe(1);
    await until(async () => (await stateOf()) === "contained", 60_000, "contained");
    await until(
      async () =>
        connector.sent.some((s) => s.method === "PUT" && JSON.stringify(s.activity).includes("Contained")),
      30_000,
      "the channel's card updated to contained",
    );
    expect(played.sim.directory.users.get(attack("hijack").subjectId)?.accountEnabled).toBe(false);
    // The card's audit trail, shown in Teams to approvers: the approval and the actions, by whom.
    const history = await click(incident, "history", ANALYST);
    expect(cardText(history)).toMatch(/UTC: SOC Analyst approved \d+ actions/);
    expect(cardText(history)).toMatch(/UTC: disabling the account \([^)]*\): done/);
    const peek = await click(incident, "history", OUTSIDER);
    expect(cardText(peek)).toContain("Refused: you are not");
    expect(cardText(peek)).not.toContain("SOC Analyst approved");
    // A second click on the same (now old) card changes nothing.
    const again = await click(incident, "approve", ANALYST);
    expect(cardText(again)).toContain("Refused");
  }, 120_000);

  it("the seed's three scenarios, approved in the channel, end contained as the design says", async () => {
    const waiting = (await listIncidents(warden.db, played.tenantId)).filter((i) => i.state === "pending");
    const compromised = waiting.find((i) => i.rules.includes("subscription-created"));
    const guestAdmin = waiting.find((i) => i.rules.includes("guest-vm-burst"));
    if (compromised === undefined || guestAdmin === undefined) throw new Error("scenario incidents missing");
    for (const incident of [compromised, guestAdmin]) {
      expect(cardText(await click(incident, "approve", LEAD))).toContain("Approved by SOC Lead");
    }
    const ids = [compromised.id, guestAdmin.id];
    await until(
      async () =>
        (await listIncidents(warden.db, played.tenantId))
          .filter((i) => ids.includes(i.id))
          .every((i) => i.state === "contained"),
      60_000,
      "both contained",
    );
    const directory = played.sim.directory;
    for (const name of ["guest-admin", "hijack"]) {
      const guest = attack(name).subjectId;
      expect(directory.users.get(guest)?.accountEnabled).toBe(false);
      expect([...directory.roleAssignments.values()].some((a) => a.principalId === guest)).toBe(false);
      expect([...directory.azureAssignments.values()].some((a) => a.principalId === guest)).toBe(false);
    }
    const mfa = [...directory.groups.values()].find((g) => g.mailNickname === "warden-contained-mfa");
    for (const name of ["compromised-admin", "guest-admin", "hijack"]) {
      const admin = attack(name).actorId;
      expect(mfa?.members.has(admin), name).toBe(true);
      expect(
        directory.changes.some((c) => c.what === "revoke-sessions" && c.target === admin),
        name,
      ).toBe(true);
    }
    expect(directory.policy.blockSubscriptionsLeavingTenant).toBe(true);
  }, 120_000);

  it("a member of the approver group may approve: denied with a reason here, by the SOC lead", async () => {
    const incident = (await listIncidents(warden.db, played.tenantId)).find(
      (i) => i.state === "pending" && i.rules.includes("risky-signin-resource-group") && i.rules.length === 1,
    );
    if (incident === undefined) throw new Error("no risky sign-in incident");
    const noReason = await click(incident, "deny", LEAD, { reason: "" });
    expect(cardText(noReason)).toContain("a denial needs a reason");
    const denied = await click(incident, "deny", LEAD, { reason: "A known traveller: confirmed by phone" });
    expect(cardText(denied)).toContain("Denied by SOC Lead");
    expect((await listIncidents(warden.db, played.tenantId)).find((i) => i.id === incident.id)?.state).toBe(
      "denied",
    );
  });

  it("answers the inventory command with a card of the external admins, read live", async () => {
    const before = connector.sent.length;
    const answer = await post(
      activity({
        type: "message",
        text: "inventory",
        from: { id: `29:${ANALYST.id}`, aadObjectId: ANALYST.id, name: ANALYST.name },
      }),
      validToken(),
    );
    expect(answer.status).toBe(200);
    const reply = JSON.stringify(connector.sent.slice(before).at(-1)?.activity ?? {});
    expect(reply).toContain("External accounts holding admin roles");
    // Read live: the guests contained above hold no admin role any more, so they are not listed.
    expect(reply).not.toContain("opsbackup_protonmail.com#EXT#");
    expect(reply).toMatch(/\d+ in all/);
  });

  it("answers the posture command at once, then with the open doors read live; refuses it to people who do not decide", async () => {
    const before = connector.sent.length;
    const answer = await post(
      activity({
        type: "message",
        text: "posture",
        from: { id: `29:${ANALYST.id}`, aadObjectId: ANALYST.id, name: ANALYST.name },
      }),
      validToken(),
    );
    expect(answer.status).toBe(200);
    // Teams waits about 15 s for an answer: the read (minutes in a large tenant) comes after it.
    expect(JSON.stringify(connector.sent.slice(before))).toContain("Reading the tenant's posture");
    // Read within Graph's limits while the polls (every second here) share them: some tens of seconds.
    await until(
      async () => connector.sent.slice(before).some((s) => JSON.stringify(s.activity).includes("Posture: ")),
      100_000,
      "the posture card",
    );
    const card = connector.sent.slice(before).find((s) => JSON.stringify(s.activity).includes("Posture: "));
    const reply = card?.activity as { summary?: string } | undefined;
    expect(JSON.stringify(reply ?? {})).toMatch(/Posture: \d+ open door/);
    // The simulated tenant lets subscriptions leave: that door is open until someone closes it.
    expect(JSON.stringify(reply ?? {})).toContain("subscription-transfer-open");
    expect(reply?.summary).toMatch(/findings? from 9 checks/);
    const refused = connector.sent.length;
    await post(
      activity({
        type: "message",
        text: "posture",
        from: { id: `29:${OUTSIDER.id}`, aadObjectId: OUTSIDER.id, name: OUTSIDER.name },
      }),
      validToken(),
    );
    expect(JSON.stringify(connector.sent.slice(refused))).toContain("Only Warden's approvers can ask this");
    expect(JSON.stringify(connector.sent.slice(refused))).not.toContain("Reading the tenant's posture");
  }, 120_000);

  it("keeps incidents and admins from other tenants and from people who do not decide", async () => {
    const before = connector.sent.length;
    const foreign = activity({
      type: "message",
      text: "inventory",
      from: { id: `29:${ANALYST.id}`, aadObjectId: ANALYST.id, name: ANALYST.name },
      conversation: {
        id: "19:other@thread.tacv2",
        conversationType: "channel",
        tenantId: "99999999-9999-4999-8999-999999999999",
      },
      channelData: { tenant: { id: "99999999-9999-4999-8999-999999999999" } },
    });
    expect((await post(foreign, validToken())).status).toBe(200);
    const outsider = activity({
      type: "message",
      text: "open",
      from: { id: `29:${OUTSIDER.id}`, aadObjectId: OUTSIDER.id, name: OUTSIDER.name },
    });
    expect((await post(outsider, validToken())).status).toBe(200);
    const replies = connector.sent.slice(before).map((s) => String(s.activity["text"] ?? ""));
    expect(replies[0]).toContain("another organisation's tenant");
    expect(replies[1]).toContain("Only Warden's approvers can ask this");
    expect((await conversationsOf(warden.db, played.tenantId)).map((c) => c.conversationId)).not.toContain(
      "19:other@thread.tacv2",
    );
  });

  it("answers chat commands, and help for anything else", async () => {
    const say = (text: string) =>
      post(
        activity({
          type: "message",
          text,
          from: { id: `29:${ANALYST.id}`, aadObjectId: ANALYST.id, name: ANALYST.name },
        }),
        validToken(),
      );
    const before = connector.sent.length;
    expect((await say("open")).status).toBe(200);
    expect((await say("what is this")).status).toBe(200);
    const replies = connector.sent.slice(before).map((s) => String(s.activity["text"] ?? ""));
    expect(replies[0]).toMatch(/waiting for a decision/);
    expect(replies[1]).toContain("Warden** answers");
  });
});

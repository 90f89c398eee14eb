import { rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWarden, startSchedules, startWorker, type Warden } from "../app.js";
import { loadConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import { createWebApp, listen } from "../server/web.js";
import { BotTokenIssuer } from "../sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../sim/bot/connector.js";
import { playBack } from "../sim/cloud/playback.js";
import { SIM_APP } from "../sim/cloud/sim-app.js";
import type { SimCloud } from "../sim/cloud/sim-server.js";
import { startScenarioSim } from "../sim/scenario-sim.js";
import { ATTACKER_RANGE, ATTACKS } from "../sim/scenarios/attacks.js";
import { type TenantDay, tenantDay } from "../sim/scenarios/tenant-day.js";
import { seedPostureOfDay } from "../sim/tenant/posture-seed.js";
import { administratorAtTheDesk } from "./administrator-at-desk.js";
import {
  DEMO_ANALYST,
  DEMO_CHANNEL,
  DEMO_PEOPLE,
  type DemoPerson,
  demoMentionTag,
  demoRoster,
} from "./teams-channel.js";
import { connectorLine, invokeResponseLine, type Transcript } from "./transcript.js";

export { DEMO_ANALYST, DEMO_CHANNEL, DEMO_PEOPLE, type DemoPerson } from "./teams-channel.js";

const BOT_APP_ID = "d3e0d3e0-0000-4000-8000-00000000d3e0";

export interface DemoWorldOptions {
  /** How long the attacks (among benign activity) take to play. */
  playSeconds: number;
  /** Automatic containment instead of waiting for an approver. */
  auto: boolean;
  log: Logger;
  /** Extra environment for Warden (REDIS_URL, DATABASE_URL, WARDEN_LOG_LEVEL...). */
  env: NodeJS.ProcessEnv;
  /** Where every message Warden sends, updates or answers a click with is written (--transcript). */
  transcript?: Transcript;
}

/** What `send` returns: the bot's HTTP answer to an activity. */
export interface BotAnswer {
  status: number;
  body: unknown;
}

/**
 * The demo's world, all on loopback: the simulated Microsoft cloud playing every attack on a seeded
 * tenant, a simulated Teams (the Bot Framework's token service and the Bot Connector), and Warden itself
 * (embedded store and queue unless REDIS_URL/DATABASE_URL are set) with its web endpoints. `send` delivers
 * an activity from a person as Teams would: signed by the token service, to Warden's /api/messages.
 */
export interface DemoWorld {
  day: TenantDay;
  sim: SimCloud;
  connector: FakeConnector;
  warden: Warden;
  /** Warden's own endpoints (/api/messages, /healthz, /readyz, /metrics). */
  wardenUrl: string;
  /** When the first attack record may appear. */
  startAt: number;
  expectedIncidents: number;
  send(
    person: DemoPerson,
    activity: Record<string, unknown>,
    conversation?: Conversation,
  ): Promise<BotAnswer>;
  close(): Promise<void>;
}

export interface Conversation {
  id: string;
  conversationType: "channel" | "personal";
}

export async function startDemoWorld(options: DemoWorldOptions): Promise<DemoWorld> {
  const issuer = new BotTokenIssuer();
  const connector = new FakeConnector();
  const { transcript } = options;
  // Before anything is sent: the transcript holds every message from the first.
  if (transcript !== undefined) connector.onSent((sent) => transcript.write(connectorLine(sent)));
  await issuer.start();
  await connector.start();
  const day = tenantDay({ attacks: ATTACKS, noiseEvents: 500, seed: 2026, nearMisses: false });
  connector.setRoster(DEMO_CHANNEL, demoRoster(day, day.breakGlass[0]));
  const mentionTag = demoMentionTag(day.tenant.id);
  const sim = await startScenarioSim(day);
  // The doors the posture card reports, opened and nearly opened (docs/posture.md).
  seedPostureOfDay(sim.directory, day.breakGlass);
  const dataDir = join(tmpdir(), `warden-demo-${process.pid}-${Date.now()}`);
  let warden: Warden | undefined;
  let server: Server | undefined;
  // A Global Administrator of the tenant, reading the channel: Microsoft lets no app block subscription
  // transfers, so when a card asks for it, this person does it (an emergency-access account: the other
  // Global Administrators are the ones the attacks took over).
  const administrator = administratorAtTheDesk(
    connector.sent,
    sim.directory,
    day.breakGlass[0]?.id ?? "",
    (line) => options.log.info(line),
  );
  const close = async () => {
    administrator.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await warden?.close();
    await sim.close();
    await connector.close();
    await issuer.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      env: {
        ...pick(options.env, ["REDIS_URL", "DATABASE_URL"]),
        // Kept apart from a deployment's queues if the demo is pointed at a shared Redis.
        WARDEN_QUEUE_PREFIX: options.env["WARDEN_QUEUE_PREFIX"] ?? "warden-demo",
        WARDEN_TENANT_ID: day.tenant.id,
        AZURE_CLIENT_ID: SIM_APP.clientId,
        AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
        WARDEN_GRAPH_URL: sim.url,
        WARDEN_ARM_URL: sim.url,
        WARDEN_AUTHORITY_URL: sim.url,
        WARDEN_DATA_DIR: dataDir,
        WARDEN_POLL_INTERVAL_SECONDS: "1",
        WARDEN_POLL_OVERLAP_MINUTES: "1",
        WARDEN_INITIAL_LOOKBACK_HOURS: "1",
        // The hijacked subscription leaves mid-demo: notice within seconds, not the default ten minutes.
        WARDEN_DISCOVER_INTERVAL_MINUTES: "0.25",
        // The administrator's step is seen within seconds of being taken.
        WARDEN_ADMIN_RECHECK_SECONDS: "2",
        WARDEN_RISKY_IP_RANGES: ATTACKER_RANGE,
        WARDEN_BREAK_GLASS_IDS: day.breakGlass.map((u) => u.id).join(","),
        // The demo plays a day in playSeconds: the weekly posture card comes every seven of them.
        WARDEN_POSTURE_EVERY_HOURS: String((7 * options.playSeconds) / 3_600),
        WARDEN_SERVICE_PRINCIPAL_ID: SIM_APP.servicePrincipalId,
        MICROSOFT_APP_ID: BOT_APP_ID,
        // Demo only: the bot trusts the simulated token service (loopback) instead of Microsoft's.
        WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
        WARDEN_APPROVERS: DEMO_PEOPLE.filter((p) => p.approver)
          .map((p) => p.id)
          .join(","),
        // The approvers on call hold this tag: each new or escalated incident's message @mentions it.
        WARDEN_TEAMS_MENTION_TAG_ID: mentionTag.id,
        WARDEN_TEAMS_MENTION_TAG_NAME: mentionTag.name,
        ...(options.auto
          ? {
              WARDEN_AUTO_CONTAIN: "true",
              WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
              WARDEN_AUTO_SEVERITIES: "medium,high,critical",
            }
          : {}),
      },
    });
    warden = await openWarden(config, options.log);
    startWorker(warden);
    server = await listen(createWebApp(warden), 0, "127.0.0.1");
    const wardenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tenantId = day.tenant.id;
    let sequence = 0;
    const send = async (
      person: DemoPerson,
      activity: Record<string, unknown>,
      conversation: Conversation = { id: DEMO_CHANNEL, conversationType: "channel" },
    ): Promise<BotAnswer> => {
      sequence += 1;
      const response = await fetch(`${wardenUrl}/api/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${issuer.channelToken(BOT_APP_ID, connector.url)}`,
        },
        body: JSON.stringify({
          channelId: "msteams",
          serviceUrl: connector.url,
          recipient: { id: `28:${BOT_APP_ID}`, name: "Warden" },
          conversation: { ...conversation, tenantId, isGroup: conversation.conversationType === "channel" },
          channelData: {
            tenant: { id: tenantId },
            ...(conversation.conversationType === "channel" ? { channel: { id: DEMO_CHANNEL } } : {}),
          },
          from: { id: `29:${person.id}`, aadObjectId: person.id, name: person.name },
          id: `demo-${Date.now()}-${sequence}`,
          timestamp: new Date().toISOString(),
          ...activity,
        }),
      });
      const text = await response.text();
      const answer = { status: response.status, body: text === "" ? undefined : safeJson(text) };
      const line = invokeResponseLine(activity, person, conversation.id, answer);
      if (line !== undefined) transcript?.write(line);
      return answer;
    };
    // Warden is "installed" in the demo channel: this is where its incident threads start.
    await send(DEMO_ANALYST, { type: "conversationUpdate", membersAdded: [{ id: `28:${BOT_APP_ID}` }] });
    await startSchedules(warden);
    // The attacks play once Warden is watching: started before, a loaded machine could open Warden more
    // slowly than the playback moved the hijacked subscription out, and Warden never learnt it existed.
    const startAt = Date.now() + 1_000;
    playBack(
      sim.logs,
      day.records,
      { startAt, durationMs: options.playSeconds * 1_000, lateEvery: 9, lateByMs: 2_000 },
      sim.directory,
    );
    return {
      day,
      sim,
      connector,
      warden,
      wardenUrl,
      startAt,
      expectedIncidents: ATTACKS.length,
      send,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n] as string]])));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

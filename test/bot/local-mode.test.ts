import { rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { openWarden, type Warden } from "../../src/app.js";
import { createAdapter } from "../../src/bot/adapter.js";
import { BotStartError } from "../../src/bot/index.js";
import { loadConfig } from "../../src/config/index.js";
import { createWebApp, listen } from "../../src/server/web.js";
import { quietLogger } from "../helpers/logs.js";

/**
 * The only test that runs the bot with authentication off: local mode, asked for explicitly. Without an
 * app id and without local mode, the bot refuses to start and /api/messages does not exist.
 */

const quiet = quietLogger();
const TENANT = "7e7e7e7e-0000-4000-8000-000000000009";
const opened: { warden: Warden; server: Server; dir: string }[] = [];
const LOCAL_TOKEN = "a-per-run-token-for-this-test-0123456789";

async function web(env: Record<string, string>): Promise<string> {
  const dir = `/tmp/warden-local-${process.pid}-${Date.now()}-${opened.length}`;
  const warden = await openWarden(
    loadConfig({ env: { WARDEN_TENANT_ID: TENANT, WARDEN_DATA_DIR: dir, ...env } }),
    quiet,
  );
  const server = await listen(createWebApp(warden, { localModeToken: LOCAL_TOKEN }), 0, "127.0.0.1");
  opened.push({ warden, server, dir });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  for (const o of opened) {
    o.server.close();
    await o.warden.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

const message = {
  type: "message",
  text: "help",
  channelId: "msteams",
  serviceUrl: "http://127.0.0.1:9/",
  conversation: { id: "a:1" },
  from: { id: "29:x" },
  recipient: { id: "28:bot" },
};

describe("the bot without an app id", () => {
  it("refuses to start unless local mode is asked for", () => {
    const config = loadConfig({ env: {} }).bot;
    expect(() => createAdapter(config, quiet)).toThrow(BotStartError);
    expect(() => createAdapter(config, quiet)).toThrow(/MICROSOFT_APP_ID is not set/);
  });

  // Each opens Warden's embedded store: over 30 s once on a loaded machine (one core kept busy, four
  // files beside). 90 s finds a hang; it times nothing.
  it("without local mode, the web process has no /api/messages", async () => {
    const url = await web({});
    const res = await fetch(`${url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    });
    expect(res.status).toBe(404);
  }, 90_000);

  it("in local mode, accepts a request without Bot Framework token that carries the run's own token", async () => {
    // Loopback only, and Host, token and serviceUrl checked: test/attacks/local-mode-rebinding.test.ts.
    const url = await web({ WARDEN_BOT_LOCAL_MODE: "true" });
    const res = await fetch(`${url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-warden-local-token": LOCAL_TOKEN },
      body: JSON.stringify({ ...message, type: "conversationUpdate" }),
    });
    expect(res.status).toBe(200);
  }, 90_000);

  it("in local mode, the web app does not start without a per-run token", () => {
    // The local-mode Warden the test above opened.
    const local = opened.find((o) => o.warden.config.bot.localMode);
    if (local === undefined) throw new Error("runs after the test above");
    expect(() => createWebApp(local.warden)).toThrow(/needs a per-run token/);
  });

  it("in local mode, refuses a configured Teams channel off loopback", () => {
    expect(() =>
      loadConfig({
        env: {
          WARDEN_BOT_LOCAL_MODE: "true",
          WARDEN_TEAMS_CHANNEL_ID: "19:abc@thread.tacv2",
          WARDEN_TEAMS_SERVICE_URL: "https://smba.trafficmanager.net/emea/",
        },
      }),
    ).toThrow(/WARDEN_TEAMS_SERVICE_URL must be on loopback/);
  });

  it("refuses an outside token service unless it is on loopback", () => {
    expect(() =>
      loadConfig({ env: { WARDEN_BOT_OPENID_METADATA_URL: "https://evil.example/openid" } }),
    ).toThrow(/loopback/);
  });
});

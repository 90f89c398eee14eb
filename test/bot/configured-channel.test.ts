import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openWarden, type Warden, workflowDeps } from "../../src/app.js";
import { createBot } from "../../src/bot/index.js";
import { loadConfig } from "../../src/config/index.js";
import { BotTokenIssuer } from "../../src/sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { createIncident, transitionIncident } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";

/** A channel named in config receives the cards before (or without) Warden being added to a team. */

const TENANT = "7e7e7e7e-0000-4000-8000-00000000000c";
const CHANNEL = "19:named-channel@thread.tacv2";
let warden: Warden | undefined;
const issuer = new BotTokenIssuer();
const connector = new FakeConnector();
const dir = `/tmp/warden-channel-${process.pid}-${Date.now()}`;

afterAll(async () => {
  await warden?.close();
  await connector.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a channel named in config", () => {
  it("gets the incident's card in a new thread, and the thread is remembered for updates", async () => {
    await issuer.start();
    await connector.start();
    warden = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          WARDEN_DATA_DIR: dir,
          MICROSOFT_APP_ID: "b07ba5e1-0000-4000-8000-00000000b07c",
          WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
          WARDEN_TEAMS_CHANNEL_ID: CHANNEL,
          WARDEN_TEAMS_SERVICE_URL: connector.url,
        },
      }),
      quietLogger(),
    );
    await createIncident(warden.db, "inc-named", TENANT, {
      severity: "high",
      confidence: 0.9,
      firstTime: Date.now(),
      lastTime: Date.now(),
      findingIds: [],
      rules: ["guest-invited"],
    });
    await transitionIncident(warden.db, "inc-named", ["open"], "pending", { action: "awaiting-approval" });
    const { notify } = createBot(warden, workflowDeps(warden));
    await notify({ data: { incidentId: "inc-named" } });
    expect(connector.sent.map((s) => s.conversationId)).toEqual([
      expect.stringMatching(/^19:named-channel@thread\.tacv2;messageid=/),
    ]);
    await transitionIncident(warden.db, "inc-named", ["pending"], "denied", {
      action: "denied",
      actorName: "x",
    });
    await notify({ data: { incidentId: "inc-named" } });
    expect(connector.sent.map((s) => s.method)).toEqual(["POST", "PUT"]);
    expect(JSON.stringify(connector.sent[1]?.activity)).toContain("Denied");
    // Opening the embedded store (PGlite) takes most of it: over 30 s on a loaded 2-core machine.
  }, 90_000);

  it("needs both the channel id and its service URL", () => {
    expect(() => loadConfig({ env: { WARDEN_TEAMS_CHANNEL_ID: CHANNEL } })).toThrow(/go together/);
  });
});

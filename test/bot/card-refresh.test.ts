import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, startWorker, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { Finding } from "../../src/detect/finding.js";
import { enqueue, JOBS } from "../../src/jobs/catalogue.js";
import { BotTokenIssuer } from "../../src/sim/bot/bot-token-issuer.js";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { insertFindings, replaceFindings } from "../../src/store/findings-repo.js";
import {
  createIncident,
  getIncident,
  setIncidentConfidence,
  transitionIncident,
} from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { freshPostgres } from "../helpers/services.js";

/**
 * Microsoft's alerts change what an incident's card shows (confidence, an alert line and its link) but
 * not its version, so that a decision asked on the card stays good: the card is rendered again when asked
 * to (`refresh`), and only then, through the simulated Bot Connector.
 */

const BOT_APP_ID = "b07ba5e1-0000-4000-8000-0000000000f2";
const TENANT = "f2f2f2f2-0000-4000-8000-0000000000f2";
const CHANNEL = "19:configured-soc@thread.tacv2";
const GUEST = "5a5a5a5a-0000-4000-8000-0000000000f2";

const issuer = new BotTokenIssuer();
const connector = new FakeConnector();
let warden: Warden | undefined;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await issuer.start();
  await connector.start();
});
afterAll(async () => {
  await warden?.close();
  await drop?.();
  await connector.close();
  await issuer.close();
});

describe("an incident's card after an alert", () => {
  it("is rendered again at the same version when asked to refresh, and not otherwise", async () => {
    const database = await freshPostgres();
    drop = database.drop;
    const w = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          DATABASE_URL: database.url,
          MICROSOFT_APP_ID: BOT_APP_ID,
          WARDEN_BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
          WARDEN_APPROVERS: GUEST,
          WARDEN_TEAMS_CHANNEL_ID: CHANNEL,
          WARDEN_TEAMS_SERVICE_URL: connector.url,
        },
      }),
      quietLogger("error"),
    );
    warden = w;
    startWorker(w);
    const finding: Finding = {
      id: "f-refresh",
      rule: "guest-privileged-role",
      severity: "high",
      confidence: 0.7,
      tenantId: TENANT,
      time: Date.now(),
      subject: { type: "user", id: GUEST, external: true },
      subscriptionIds: [],
      evidence: [
        { source: "entra-audit", id: "Directory_1", time: Date.now(), operation: "Add member to role" },
      ],
      summary: "A guest was made Global Administrator",
    };
    await insertFindings(w.db, [finding]);
    await createIncident(w.db, "inc-refresh", TENANT, {
      severity: "high",
      confidence: 0.7,
      firstTime: finding.time,
      lastTime: finding.time,
      findingIds: [finding.id],
      rules: [finding.rule],
    });
    await transitionIncident(w.db, "inc-refresh", ["open"], "pending", { action: "awaiting-approval" });
    const cards = () =>
      connector.sent.filter((s) =>
        JSON.stringify(s.activity).includes("application/vnd.microsoft.card.adaptive"),
      );
    await enqueue(w.queue, JOBS.notify, { incidentId: "inc-refresh" });
    await until(async () => cards().length === 1, 20_000, "the card posted");
    // A phone's notification says what it asks, not "Sent a card".
    expect(cards()[0]?.activity["summary"]).toBe(
      "HIGH · approve containment · A guest was given a privileged Entra role",
    );
    const version = (await getIncident(w.db, "inc-refresh"))?.version;

    // An alert attached since, as detection attaches it: the findings and the confidence, not the version.
    const alertId = "caD1B6E5F4A3B2C1D0E9F8A7B6C5D4E3F2";
    await replaceFindings(w.db, [
      {
        ...finding,
        confidence: 0.85,
        confidenceBeforeAlerts: 0.7,
        evidence: [
          ...finding.evidence,
          {
            source: "security-alert",
            id: alertId,
            time: finding.time,
            operation: "Risky user created global admin (microsoft365Defender, high)",
            alertSeverity: "high",
          },
        ],
      },
    ]);
    await setIncidentConfidence(w.db, "inc-refresh", 0.85);
    expect((await getIncident(w.db, "inc-refresh"))?.version).toBe(version);

    await enqueue(w.queue, JOBS.notify, { incidentId: "inc-refresh" });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(cards()).toHaveLength(1);

    await enqueue(w.queue, JOBS.notify, { incidentId: "inc-refresh", refresh: true });
    await until(async () => cards().length === 2, 20_000, "the card rendered again");
    const updated = JSON.stringify(cards()[1]?.activity);
    expect(cards()[1]?.method).toBe("PUT");
    expect(updated).toContain(`](https://security.microsoft.com/alerts/${alertId}?tid=${TENANT})`);
    expect(updated).toContain("85%");
  }, 60_000);
});

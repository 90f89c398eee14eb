import { afterAll, describe, expect, it } from "vitest";
import { openWarden, startSchedules, startWorker, type Warden } from "../../src/app.js";
import { incidentCard } from "../../src/cards/incident-card.js";
import { loadConfig } from "../../src/config/index.js";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { incidentView } from "../../src/respond/view-for-card.js";
import { countEvents } from "../../src/store/events-repo.js";
import { findingsByIds } from "../../src/store/findings-repo.js";
import { type IncidentRow, listIncidents } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import {
  EXPECTED_INCIDENTS,
  type PlayedSim,
  playingSim,
  settle,
  settledState,
  until,
} from "../helpers/pipeline.js";
import { freshPostgres, postgresAvailable, REDIS_URL, redisAvailable } from "../helpers/services.js";

/**
 * Issue 3's first promise, end to end in one process: the simulated cloud plays every attack among
 * benign activity (some records readable late), Warden polls it through the real SDKs, and finds each
 * attack's incident exactly once, with every event the simulation wrote stored once.
 */

const withServices = (await postgresAvailable()) && (await redisAvailable());

const modes: [
  string,
  boolean,
  () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>,
][] = [
  [
    "embedded (in-process queue, PGlite)",
    true,
    async () => ({
      env: { WARDEN_DATA_DIR: `/tmp/warden-e2e-${process.pid}-${Date.now()}` },
      cleanup: async () => undefined,
    }),
  ],
  [
    "production (BullMQ on Redis, PostgreSQL)",
    withServices,
    async () => {
      const pg = await freshPostgres();
      await pg.db.close();
      const prefix = `warden-test-${process.pid}-${Date.now()}`;
      return { env: { DATABASE_URL: pg.url, REDIS_URL, WARDEN_QUEUE_PREFIX: prefix }, cleanup: pg.drop };
    },
  ],
];

for (const [name, available, prepare] of modes) {
  describe.skipIf(!available)(`the live pipeline, ${name}`, () => {
    let played: PlayedSim | undefined;
    let warden: Warden | undefined;
    let cleanup: () => Promise<void> = async () => undefined;
    afterAll(async () => {
      if (warden?.queue instanceof BullMqQueue)
        await warden.queue.obliterate([QUEUE.poll, QUEUE.detect, QUEUE.triage]);
      await warden?.close();
      await played?.sim.close();
      await cleanup();
    });

    it("finds every attack's incident once, including events that arrive late, and stores every event once", async () => {
      played = await playingSim(31, 4_000);
      const prepared = await prepare();
      cleanup = prepared.cleanup;
      const config = loadConfig({ env: { ...played.env, ...prepared.env } });
      warden = await openWarden(config, quietLogger("warn"));
      startWorker(warden);
      await startSchedules(warden);

      await settle(warden.db, warden.queue, played);
      const w = warden;
      const p = played;

      const state = await settledState(w.db, p.tenantId);
      expect(state.events).toBe(p.written);
      expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
      expect(state.findingsInIncidents).toBe(state.findings);
      // Microsoft's alerts, written after the activity they saw (so after its findings were stored), were
      // polled from security/alerts_v2 and attached to the incidents they are about, each with its link.
      const alerted: string[] = [];
      for (const incident of await listIncidents(w.db, p.tenantId)) {
        const view = await incidentView(w.db, incident);
        const card = JSON.stringify(incidentCard(view));
        for (const line of view.evidence.filter((e) => e.text.startsWith("Microsoft alert:"))) {
          expect(line.url).toMatch(
            new RegExp(`^https://security\\.microsoft\\.com/alerts/ca[0-9A-F]{32}\\?tid=${p.tenantId}$`),
          );
          // The link reaches the card itself, not only the view it is drawn from.
          expect(card).toContain(`](${line.url})`);
          alerted.push(`${incident.rules.includes("guest-vm-burst") ? "guest" : "admin"}: ${line.text}`);
        }
      }
      expect(alerted.sort()).toEqual([
        "admin: Microsoft alert: Activity from a Tor IP address (microsoftDefenderForCloudApps, high)",
        "guest: Microsoft alert: Multiple VM activities (microsoftDefenderForCloudApps, medium)",
      ]);
      // Reports are throttled at 5 requests per 10 s per tenant, counted where they arrive: kept under it.
      const reportCallTimes = () =>
        p.sim.faults.log.filter((r) => r.path.includes("/auditLogs/")).map((r) => r.at);
      // The pollers keep polling: wait for at least one window of six calls for the check below to compare.
      await until(async () => reportCallTimes().length > 5, 30_000, "six report calls");
      const reportCalls = reportCallTimes();
      for (let i = 5; i < reportCalls.length; i++) {
        expect((reportCalls[i] ?? 0) - (reportCalls[i - 5] ?? 0)).toBeGreaterThanOrEqual(10_000);
      }
    }, 120_000);
  });
}

/**
 * A subscription moved out whose move record becomes readable only after it left (Activity Log records
 * are often minutes late; the move completes sooner): the record is in the subscription's own log, which
 * the tenant can no longer read. Warden finds the poll's 404, confirms the departure at once and detects
 * its own observation: the takeover is still one incident with the same steps.
 */
describe("the live pipeline, when a moved subscription's record can never be read", () => {
  let played: PlayedSim | undefined;
  let warden: Warden | undefined;
  afterAll(async () => {
    await warden?.close();
    await played?.sim.close();
  });

  it("finds the takeover from Warden's own observation, and stores every event that could be read", async () => {
    played = await playingSim(31, 4_000, { transferReadableAfterMove: true });
    expect(played.unreadable).toBe(1);
    const config = loadConfig({
      env: { ...played.env, WARDEN_DATA_DIR: `/tmp/warden-e2e-gone-${process.pid}-${Date.now()}` },
    });
    warden = await openWarden(config, quietLogger("warn"));
    startWorker(warden);
    await startSchedules(warden);

    // Discovery runs every 10 minutes by default: only the poll's 404 can bring it on within this wait.
    await until(
      async () =>
        (await countEvents((warden as Warden).db, (played as PlayedSim).tenantId, "observations")) > 0,
      60_000,
      "the departure to be observed",
    );
    await settle(warden.db, warden.queue, played);
    const state = await settledState(warden.db, played.tenantId);
    expect(state.events).toBe(played.written - 1);
    expect(await countEvents(warden.db, played.tenantId, "observations")).toBe(1);
    expect(state.incidents).toEqual(EXPECTED_INCIDENTS);
    expect(state.findingsInIncidents).toBe(state.findings);
    const hijack = (await listIncidents(warden.db, played.tenantId)).find((i) =>
      i.rules.includes("subscription-hijack-chain"),
    );
    const moved = (await findingsByIds(warden.db, hijack?.findingIds ?? [])).filter(
      (f) => f.rule === "subscription-directory-changed",
    );
    expect(moved.map((f) => f.evidence.map((e) => e.source))).toEqual([["warden"]]);
    // The card shows it among the evidence, linked to the list where the analyst confirms it is gone.
    const view = await incidentView(warden.db, hijack as IncidentRow);
    expect(view.evidence).toContainEqual({
      text: expect.stringMatching(
        /^Warden saw: Warden\/subscriptionNoLongerListed, record subscription-gone:/,
      ),
      url: "https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Resources%2Fsubscriptions",
    });
    // And the sentence says what Warden saw, the move's own record being unread.
    expect(view.story).toMatch(/Warden lost .+ from the directory/);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoWorld, startDemoWorld } from "../../src/demo/world.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { createIncident, transitionIncident } from "../../src/store/incidents-repo.js";
import { quietLogger } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";

/**
 * A burst of 100 incident cards while the Bot Connector answers one request in five with 429 and one in
 * ten with 502: every card is posted, once, in order, within Teams' per-conversation limits. This is the
 * suite's one card-burst test. 100 cards cross Teams' 60-in-30-seconds window (Warden sends 50 in the
 * first, the rest after it), so the limit is checked over 40 windows of 60 sends; a longer burst only
 * waits longer. The connector's faults are deterministic (every fifth request 429, every tenth of the
 * rest 502), so the fault counts below are exact lower bounds, not luck.
 */

let world: DemoWorld;

beforeAll(async () => {
  world = await startDemoWorld({
    playSeconds: 5,
    auto: false,
    log: quietLogger(),
    env: {},
  });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe("the card poster under a failing Bot Connector", () => {
  it("posts 100 cards in order, each once, through 429s and 502s", async () => {
    const { warden, connector } = world;
    const tenantId = world.day.tenant.id;
    const ids = Array.from({ length: 100 }, (_, i) => `inc-burst-${String(i).padStart(3, "0")}`);
    for (const id of ids) {
      await createIncident(warden.db, id, tenantId, {
        severity: "high",
        confidence: 0.9,
        firstTime: Date.now(),
        lastTime: Date.now(),
        findingIds: [],
        rules: ["guest-invited"],
      });
      await transitionIncident(warden.db, id, ["open"], "pending", { action: "awaiting-approval" });
    }
    const before = connector.sent.length;
    connector.throttle = 0.2;
    connector.badGateway = 0.1;
    for (const id of ids)
      await warden.queue.add(QUEUE.notify, "notify", { incidentId: id }, { dedupeKey: `notify:${id}` });
    const burst = () =>
      connector.sent
        .slice(before)
        .filter((s) => s.method === "POST" && JSON.stringify(s.activity).includes("inc-burst-"));
    await until(async () => burst().length >= 100, 120_000, "100 cards posted");
    connector.throttle = 0;
    connector.badGateway = 0;
    expect(connector.throttled).toBeGreaterThanOrEqual(20);
    expect(connector.failed).toBeGreaterThanOrEqual(8);
    const order = burst().map((s) => JSON.stringify(s.activity).match(/inc-burst-\d{3}/)?.[0]);
    expect(order).toEqual(ids);
    // Within Teams' limits for one conversation: 7 a second, 60 in any 30 seconds (all the cards, not only these).
    const times = connector.sent
      .slice(before)
      .filter((s) => s.method === "POST")
      .map((s) => s.at);
    for (let i = 7; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 7] ?? 0)).toBeGreaterThanOrEqual(1_000);
    for (let i = 60; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 60] ?? 0)).toBeGreaterThanOrEqual(30_000);
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { GraphLogs } from "../../src/cloud/graph-logs.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { pollHandler } from "../../src/jobs/handlers/poll-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { type Job, PermanentError } from "../../src/jobs/queue/job-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { eventKeyOf, retime } from "../../src/sim/cloud/published-logs.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import type { Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { openPglite } from "../../src/store/pglite.js";
import { capturedLogs } from "../helpers/logs.js";
import { until } from "../helpers/pipeline.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * A scheduled poll that comes while the same source is still being polled is not run beside it (it would
 * read the same window again). If the running poll read more than a page, the source is busy and the
 * deferred tick runs as soon as that poll ends (dropping it left a busy source idle for up to a whole
 * interval after each long poll); a quiet source waits for its next tick.
 */

const TENANT = "5e1f0a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5c";
const BUSY = "21111111-2222-4333-8444-555555555555";
const QUIET = "31111111-2222-4333-8444-555555555555";
const activityPath = (subscription: string) =>
  `/subscriptions/${subscription}/providers/Microsoft.Insights/eventtypes/management/values`;

describe("the poll handler", () => {
  let sim: SimCloud;
  let db: Database;
  let handle: (job: Job) => Promise<void>;
  const queue = new InProcessQueue();
  const polled: string[] = [];
  const discoveries: Record<string, unknown>[] = [];
  const { log, lines } = capturedLogs("debug");

  beforeAll(async () => {
    sim = await simCloud(TENANT, [BUSY, QUIET]);
    db = await openPglite();
    await migrate(db);
    // 450 records in the busy subscription's log: three pages of ARM's 200.
    const day = tenantDay({ attacks: [], noiseEvents: 2_000, seed: 7, nearMisses: false });
    const time = Date.now() - 30_000;
    for (const r of day.records.filter((r) => r.stream === "activity").slice(0, 450)) {
      sim.logs.publish({
        stream: "activity",
        time,
        visibleAt: time,
        record: retime("activity", r.record, time),
        subscriptionId: BUSY,
        eventKey: eventKeyOf("activity", r.record),
      });
    }
    const credential = credentialFor(TENANT, {
      clientId: SIM_APP.clientId,
      clientSecret: SIM_APP.clientSecret,
      endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
    });
    const limiter = new RateLimiter();
    const poll = pollHandler(
      {
        db,
        graph: new GraphLogs(credential, sim.url, TENANT, limiter),
        arm: new ArmActivity(credential, sim.url, TENANT, limiter),
        directory: new GraphDirectory(credential, sim.url, TENANT, limiter),
        huntingQueries: new Map(),
        tenantId: TENANT,
        settings: { overlapMs: 0, initialLookbackMs: 60_000 },
        log,
        now: Date.now,
      },
      queue,
    );
    handle = (job) => poll(job, { log });
    // What the handler queues for itself runs here, as a worker would run it.
    queue.process(QUEUE.poll, async (job) => {
      if (job.name === "discover") {
        discoveries.push(job.data);
        return;
      }
      polled.push(String(job.data["scope"]));
      await handle(job);
    });
    // Every answer takes 300 ms: a poll's reading takes a while, as a busy tenant's does.
    sim.faults.plan = { latencyMs: 300 };
  });
  afterAll(async () => {
    await queue.close();
    await db.close();
    await sim.close();
  });

  /** Polls `subscription`, two more ticks coming while it runs; returns its Activity Log requests. */
  async function pollWithTicksDuring(subscription: string): Promise<number> {
    const requests = () => sim.faults.log.filter((r) => r.path.startsWith(activityPath(subscription))).length;
    const tick = (id: string) => ({
      id,
      name: "poll",
      data: { tenantId: TENANT, source: "activity", scope: subscription },
      attempt: 1,
    });
    // The handler marks a source as being polled before its first await: the next two ticks are deferred.
    const first = handle(tick(`${subscription}-1`));
    await handle(tick(`${subscription}-2`));
    await handle(tick(`${subscription}-3`));
    expect(
      lines.filter(
        (l) =>
          l["source"] === "activity" &&
          l["scope"] === subscription &&
          String(l["msg"]).startsWith("poll deferred"),
      ),
    ).toHaveLength(2);
    await first;
    // Long enough for a poll queued at the end of the first to have read its page.
    await new Promise((r) => setTimeout(r, 2_000));
    return requests();
  }

  it("reads a busy source again as soon as a poll that ticks came during ends, once", async () => {
    const requests = await pollWithTicksDuring(BUSY);
    // The first poll's three pages, then one more poll for both deferred ticks, with no tick after.
    expect(polled).toEqual([BUSY]);
    expect(requests).toBe(4);
    const polls = lines.filter((l) => l["msg"] === "polled" && l["scope"] === BUSY);
    expect(polls.map((l) => [l["pages"], l["records"]])).toEqual([
      [3, 450],
      [1, 0],
    ]);
  });

  it("lets a quiet source wait for its next tick", async () => {
    const requests = await pollWithTicksDuring(QUIET);
    expect(requests).toBe(1);
    expect(polled).toEqual([BUSY]);
    expect(lines.filter((l) => l["msg"] === "polled" && l["scope"] === QUIET)).toHaveLength(1);
  });

  it("asks discovery to look at once, and does not retry, when a subscription's log refuses Warden", async () => {
    // QUIET moves to another directory: its log answers 404 from now on.
    const index = sim.directory.subscriptions.findIndex((s) => s.subscriptionId === QUIET);
    sim.directory.subscriptions.splice(index, 1);
    const poll = handle({
      id: "gone-1",
      name: "poll",
      data: { tenantId: TENANT, source: "activity", scope: QUIET },
      attempt: 1,
    });
    await expect(poll).rejects.toBeInstanceOf(PermanentError);
    await expect(poll).rejects.toThrow(`subscription ${QUIET} refused its log`);
    await until(async () => discoveries.length > 0, 20_000, "discovery to be queued");
    expect(discoveries).toEqual([{ tenantId: TENANT }]);
  });
});

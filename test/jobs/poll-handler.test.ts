import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmActivity } from "../../src/cloud/arm-activity.js";
import { credentialFor } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { GraphLogs } from "../../src/cloud/graph-logs.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { pollHandler } from "../../src/jobs/handlers/poll-handler.js";
import { InProcessQueue } from "../../src/jobs/queue/in-process-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { createLogger } from "../../src/log.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { openPglite } from "../../src/store/pglite.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * A scheduled poll that comes while the same source is still being polled is not run beside it (it would
 * read the same window again) and not dropped either: it runs as soon as the running poll ends. Dropping
 * it left a busy source idle for up to a whole interval after each long poll.
 */

const TENANT = "5e1f0a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5c";
const SUBSCRIPTION = "21111111-2222-4333-8444-555555555555";
const ACTIVITY_PATH = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Insights/eventtypes/management/values`;

describe("the poll handler", () => {
  let sim: SimCloud;
  let db: Database;
  const queue = new InProcessQueue();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write: (chunk, _e, done) => {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });

  beforeAll(async () => {
    sim = await simCloud(TENANT, [SUBSCRIPTION]);
    db = await openPglite();
    await migrate(db);
  });
  afterAll(async () => {
    await queue.close();
    await db.close();
    await sim.close();
  });

  it("runs a tick that came during a poll of the same source right after that poll, once", async () => {
    const credential = credentialFor(TENANT, {
      clientId: SIM_APP.clientId,
      clientSecret: SIM_APP.clientSecret,
      endpoints: { graph: sim.url, arm: sim.url, authority: sim.url },
    });
    const limiter = new RateLimiter();
    const handle = pollHandler(
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
      log,
    );
    // Every answer takes 400 ms: the first poll is still running when the next two ticks come.
    sim.faults.plan = { latencyMs: 400 };
    const ended: number[] = [];
    queue.process(QUEUE.poll, async (job) => {
      await handle(job);
      ended.push(Date.now());
    });
    const tick = { tenantId: TENANT, source: "activity", scope: SUBSCRIPTION };
    const activityRequests = () => sim.faults.log.filter((r) => r.path.startsWith(ACTIVITY_PATH));
    const first = handle({ id: "tick-1", name: "poll", data: tick, attempt: 1 });
    // The next ticks come while the first poll waits for its page.
    while (activityRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    await handle({ id: "tick-2", name: "poll", data: tick, attempt: 1 });
    await handle({ id: "tick-3", name: "poll", data: tick, attempt: 1 });
    // They returned at once without reading: still only the first poll's request.
    expect(activityRequests()).toHaveLength(1);
    await first;
    const deadline = Date.now() + 10_000;
    while (ended.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_500));

    // One more poll for both deferred ticks, though no tick came after the first poll ended.
    expect(activityRequests()).toHaveLength(2);
    expect(ended).toHaveLength(1);
    expect(lines.filter((l) => l["msg"] === "polled")).toHaveLength(2);
    expect(
      lines.filter((l) => String(l["msg"]).startsWith("poll deferred: this source is being polled")),
    ).toHaveLength(2);
  });
});

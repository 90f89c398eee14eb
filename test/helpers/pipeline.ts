import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { QUEUE } from "../../src/jobs/queues.js";
import { playBack } from "../../src/sim/cloud/playback.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { startScenarioSim, subscriptionsOf } from "../../src/sim/scenario-sim.js";
import { ATTACKER_RANGE, ATTACKS } from "../../src/sim/scenarios/attacks.js";
import { type TenantDay, tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { actionsOf } from "../../src/store/actions-repo.js";
import type { Database } from "../../src/store/database.js";
import { countEvents } from "../../src/store/events-repo.js";
import { listIncidents } from "../../src/store/incidents-repo.js";
import { SIM_APP } from "./sim.js";

export { EXPECTED_INCIDENTS } from "../../src/sim/scenarios/expected-incidents.js";

export interface PlayedSim {
  sim: SimCloud;
  day: TenantDay;
  tenantId: string;
  /** Events the playback wrote (NaN until it starts: see `playingSim`). */
  written: number;
  /** The simulated tenant's subscriptions at the start. */
  startedWith: string[];
  /** Events written where no poller of the tenant can read them (a moved subscription's own log). */
  unreadable: number;
  /** When the last record is readable (never, until the playback starts). */
  readableBy: number;
  /** Resolves when the attacks start playing. */
  playing: Promise<void>;
  env: Record<string, string>;
}

/**
 * Starts the simulator and plays every attack among noise, some records late, as soon as Warden has
 * listed the tenant's subscriptions; returns Warden's settings for it.
 *
 * Why wait for the listing: a subscription that leaves the directory before Warden first lists it was
 * never Warden's to watch (its log, the move's record in it, cannot be read; nothing says it existed). A
 * test started on a loaded machine took longer to open Warden than the playback took to move the hijacked
 * subscription out, and so tested that case instead of the takeover it meant to.
 */
export async function playingSim(
  seed: number,
  durationMs: number,
  /** When the hijacked subscription's transfer completes after its request (default: the scenario's own). */
  options: { transferCompletesAfterMs?: number; transferReadableAfterMove?: boolean } = {},
): Promise<PlayedSim> {
  const day = tenantDay({ attacks: ATTACKS, noiseEvents: 500, seed, nearMisses: false });
  const subscriptions = subscriptionsOf(day.records);
  const sim = await startScenarioSim(day);
  const played: PlayedSim = {
    sim,
    day,
    tenantId: day.tenant.id,
    written: Number.NaN,
    startedWith: subscriptions,
    unreadable:
      options.transferReadableAfterMove === true
        ? day.records.filter((r) => r.effect?.type === "subscription-moved").length
        : 0,
    readableBy: Number.POSITIVE_INFINITY,
    playing: Promise.resolve(),
    env: {
      WARDEN_TENANT_ID: day.tenant.id,
      AZURE_CLIENT_ID: SIM_APP.clientId,
      AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
      WARDEN_GRAPH_URL: sim.url,
      WARDEN_ARM_URL: sim.url,
      WARDEN_AUTHORITY_URL: sim.url,
      WARDEN_POLL_INTERVAL_SECONDS: "1",
      WARDEN_POLL_OVERLAP_MINUTES: "1",
      WARDEN_INITIAL_LOOKBACK_HOURS: "1",
      WARDEN_RISKY_IP_RANGES: ATTACKER_RANGE,
      WARDEN_BREAK_GLASS_IDS: day.breakGlass.map((u) => u.id).join(","),
      // A step asked of a Global Administrator is looked for every second, not every minute.
      WARDEN_ADMIN_RECHECK_SECONDS: "1",
      // The posture's weekly read would run at each start and compete with the polls these tests time;
      // test/posture, the bot's posture command and the demo test it.
      WARDEN_POSTURE_EVERY_HOURS: "off",
    },
  };
  played.playing = (async () => {
    await listed(sim);
    const playback = { startAt: Date.now() + 500, durationMs, lateEvery: 9, lateByMs: 2_500, ...options };
    played.written = playBack(sim.logs, day.records, playback, sim.directory);
    played.readableBy = playback.startAt + playback.durationMs + playback.lateByMs;
  })();
  return played;
}

/** Resolves once the simulator has answered a listing of subscriptions (or after a minute, whatever happened). */
async function listed(sim: SimCloud): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (
    Date.now() < deadline &&
    !sim.faults.log.some((r) => r.status === 200 && /^\/subscriptions\/?$/i.test(r.path))
  ) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

const bin = join(import.meta.dirname, "../../bin/warden.js");

/** A `warden` process as an operator would start it; its output is kept for the failure message. */
export function startWarden(
  role: "worker" | "serve" | "web",
  env: Record<string, string>,
): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, [bin, role], {
    env: {
      PATH: process.env["PATH"] ?? "",
      NODE_EXTRA_CA_CERTS: process.env["NODE_EXTRA_CA_CERTS"] ?? "",
      LOG_LEVEL: "warn",
      // Several workers on one machine: each takes any free port for its health and metrics.
      WARDEN_METRICS_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout?.on("data", (d: Buffer) => child.output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => child.output.push(d.toString()));
  return child;
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until every event the simulator wrote is stored and detection has nothing left to do. */
export async function settle(
  db: Database,
  queue: Counting,
  played: PlayedSim,
  timeoutMs = 60_000,
): Promise<void> {
  try {
    await until(
      // Everything the simulation logged so far: the scenario's events, and the changes Warden itself made.
      async () =>
        Date.now() > played.readableBy && (await countEvents(db, played.tenantId)) === readableEvents(played),
      timeoutMs,
      "every event to be stored",
    );
  } catch (error) {
    // Which log fell short says where to look (a source never read again, a subscription gone first).
    throw new Error(`${(error as Error).message}: ${await shortfall(db, played)}`);
  }
  // A subscription moved out is observed by Warden once gone, which grows the takeover's incident: whole
  // incidents (and card versions that stay current) come after it. So a move that completes within the
  // next minute is waited for (a loaded run took the cards' snapshot just before one, and the card then
  // clicked was out of date); one much later, as in the outage test, is not.
  await until(
    async () => {
      played.sim.directory.advance();
      const next = played.sim.directory.nextEffectAt;
      return next === undefined || next > Date.now() + 60_000;
    },
    timeoutMs,
    "the scenario's changes due within a minute to take hold",
  );
  const departed = () => {
    played.sim.directory.advance();
    const here = new Set(played.sim.directory.subscriptions.map((s) => s.subscriptionId));
    return played.startedWith.filter((id) => !here.has(id));
  };
  try {
    await until(
      async () => (await countEvents(db, played.tenantId, "observations")) >= departed().length,
      timeoutMs,
      "each moved subscription's departure to be observed",
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${await departures(db, queue, played, departed())}`);
  }
  await detectionDone(db, queue, played.tenantId);
}

type Counting = {
  counts(queue: string): Promise<{ waiting: number; active: number; delayed: number }>;
  repeats?(queue: string): Promise<string[]>;
};

/** For each departed subscription: whether Warden still polls it, and what the simulator answered its reads. */
async function departures(db: Database, queue: Counting, played: PlayedSim, gone: string[]): Promise<string> {
  const scheduled = (await queue.repeats?.(QUEUE.poll)) ?? [];
  const observations = await countEvents(db, played.tenantId, "observations");
  const lines = gone.map((id) => {
    const reads = played.sim.faults.log.filter((r) => r.path.toLowerCase().includes(id.toLowerCase()));
    const last = reads
      .slice(-5)
      .map((r) => `${new Date(r.at).toISOString()} ${r.status} ${r.path.split("?")[0]}`);
    const polled = scheduled.some((k) => k.endsWith(id));
    return `${id}: ${polled ? "poller scheduled" : "no poller"}; ${reads.length} requests, the last: ${last.join(" | ")}`;
  });
  const discoveries = played.sim.faults.log.filter((r) => /^\/subscriptions\/?$/i.test(r.path)).slice(-3);
  return [
    `${observations} observations stored; ${scheduled.length} poll schedules`,
    ...lines,
    `last listings: ${discoveries.map((r) => `${new Date(r.at).toISOString()} ${r.status}`).join(", ")}`,
  ].join("\n");
}

/** Waits until detection has read every event stored so far (and so made every incident it will). */
export async function detectionDone(db: Database, queue: Counting, tenantId: string): Promise<void> {
  await until(
    async () => {
      // Idle, and past every stored event: an event stored just before its detection job is queued
      // would otherwise pass for detected.
      const { rows } = await db.query<{ behind: boolean }>(
        `SELECT coalesce((SELECT max(seq) FROM events WHERE tenant_id = $1), 0)
                > coalesce((SELECT seq FROM detection_cursor WHERE tenant_id = $1), 0) AS behind`,
        [tenantId],
      );
      const c = await queue.counts(QUEUE.detect);
      return c.waiting + c.active + c.delayed === 0 && rows[0]?.behind === false;
    },
    30_000,
    "detection to finish",
  );
}

/**
 * Events logged that a poller could read: all but those in a moved subscription's log that became readable only after
 * Warden's last read of it (the simulator notes each read). Warden's own writes there just before the
 * move, or the move's own record, are lost to the tenant; every other event must be stored.
 */
export function readableEvents(played: PlayedSim): number {
  const here = new Set(played.sim.directory.subscriptions.map((s) => s.subscriptionId));
  const lost = played.startedWith
    .filter((id) => !here.has(id))
    .reduce((n, id) => n + played.sim.logs.unreadIn(id), 0);
  return played.sim.logs.eventCount() - lost;
}

/** Events logged against events stored, per log: "directoryAudits 120/120, activity 301/298, …". */
export async function shortfall(db: Database, played: PlayedSim): Promise<string> {
  const { rows } = await db.query<{ source: string; n: string }>(
    "SELECT source, count(*) AS n FROM events WHERE tenant_id = $1 GROUP BY source",
    [played.tenantId],
  );
  const stored = new Map(rows.map((r) => [r.source, Number(r.n)]));
  const sourceOf = {
    directoryAudits: "entra-audit",
    signIns: "entra-sign-in",
    riskDetections: "entra-risk",
    activity: "azure-activity",
  } as const;
  const counts = Object.entries(sourceOf)
    .map(([stream, source]) => {
      const logged = played.sim.logs.eventCount(stream as keyof typeof sourceOf);
      return `${stream} logged ${logged}, stored ${stored.get(source) ?? 0}`;
    })
    .join("; ");
  // The Activity Log records not stored: where each was logged, when, and from when it was readable.
  const { rows: ids } = await db.query<{ id: string }>(
    "SELECT id FROM events WHERE tenant_id = $1 AND source = 'azure-activity'",
    [played.tenantId],
  );
  const have = new Set(ids.map((r) => r.id));
  const iso = (t: number) => new Date(t).toISOString();
  const missing = played.sim.logs
    .held("activity")
    .filter((r) => !have.has(`azure-activity:${r.eventKey}`))
    .slice(0, 10)
    .map((r) => {
      const op = (r.record["operationName"] as { value?: string } | undefined)?.value;
      const read = r.subscriptionId === undefined ? undefined : played.sim.logs.lastRead(r.subscriptionId);
      return `${op} in ${r.subscriptionId ?? "the tenant log"} at ${iso(r.time)}, readable ${iso(r.visibleAt)}, last read ${read === undefined ? "never" : iso(read)}`;
    });
  return missing.length === 0 ? counts : `${counts}\nnot stored:\n${missing.join("\n")}`;
}

/** The end state a correct run reaches: every event once, each attack one incident, each finding once. */
export async function settledState(db: Database, tenantId: string) {
  const incidents = (await listIncidents(db, tenantId)).filter((i) => i.state !== "merged");
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM findings WHERE tenant_id = $1", [
    tenantId,
  ]);
  return {
    events: await countEvents(db, tenantId),
    incidents: incidents.map((i) => [...i.rules].sort().join(",")).sort(),
    findings: Number(rows[0]?.n),
    findingsInIncidents: incidents.reduce((n, i) => n + i.findingIds.length, 0),
  };
}

/**
 * For a failure message: what each action of the incidents not in `state` ended with (a test expecting
 * every incident contained says which action kept one from it).
 */
export async function whyNot(
  db: Database,
  incidents: readonly { id: string; state: string }[],
  state: string,
): Promise<string> {
  const outcomes = await Promise.all(
    incidents
      .filter((i) => i.state !== state)
      .map(async (i) => ({
        incident: i.id,
        state: i.state,
        actions: (await actionsOf(db, i.id)).map((a) => `${a.action} ${a.state}: ${a.outcome}`),
      })),
  );
  return JSON.stringify(outcomes, null, 1);
}

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { BullMqQueue } from "../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../src/jobs/queues.js";
import { playBack } from "../src/sim/cloud/playback.js";
import { eventKeyOf, retime } from "../src/sim/cloud/published-logs.js";
import { SIM_APP } from "../src/sim/cloud/sim-app.js";
import type { SimCloud } from "../src/sim/cloud/sim-server.js";
import { startScenarioSim, subscriptionsOf } from "../src/sim/scenario-sim.js";
import { ATTACKER_RANGE, ATTACKS } from "../src/sim/scenarios/attacks.js";
import { EXPECTED_INCIDENTS } from "../src/sim/scenarios/expected-incidents.js";
import type { ScenarioRecord, Stream } from "../src/sim/scenarios/script.js";
import { tenantDay } from "../src/sim/scenarios/tenant-day.js";
import { freshDatabase } from "./databases.js";

/**
 * The soak: the simulated tenant logs `rate` events a second for `seconds` (benign activity stamped fresh
 * from a generated day's records, the four seeded attacks played among it a third of the way in), and a
 * real `warden worker` process reads it all through the SDKs, over https, into PostgreSQL and BullMQ on
 * Redis. Sampled every few seconds: events logged, events stored, the backlog between them, detection's
 * lag and the worker's resident memory. Ends when the worker has caught up, or says that it did not.
 *
 * The mix keeps inside Microsoft's read limits, as a real tenant must: Graph's report API serves at most
 * 5 pages of 1,000 a 10 s for audits and sign-ins together, so they are 2.5 % of the volume; the rest is
 * Activity Log spread over subscriptions (20 reads of 200 a second each). Each record is readable when it
 * happens, so the windows overlap by 3 s: this measures throughput and memory, not lateness (the
 * pipeline's lateness handling is tested in test/pipeline). At such rates a real deployment reads
 * Microsoft's diagnostic exports instead (`warden detect`); this shows the live path holds too.
 */

export interface SoakOptions {
  seconds: number;
  /** Events per second the tenant logs. */
  rate: number;
  /** Subscriptions the Activity Log volume is spread over. */
  subscriptions: number;
  sampleEveryMs: number;
  databaseAdminUrl: string;
  redisUrl: string;
  log: (line: string) => void;
}

export interface SoakSample {
  /** Seconds since the soak began. */
  at: number;
  logged: number;
  stored: number;
  backlog: number;
  /** Events stored but not yet through detection. */
  detectLag: number;
  rssMiB: number;
}

export interface SoakResult {
  options: Omit<SoakOptions, "log" | "databaseAdminUrl" | "redisUrl">;
  samples: SoakSample[];
  logged: number;
  stored: number;
  /** Seconds after the last event was logged until every event was stored and detected. */
  drainSeconds: number | null;
  loggedPerSecond: number;
  incidents: string[];
  missingAttacks: string[];
  extraIncidents: string[];
  requests: { graph: number; arm: number; throttled: number };
  workerExit: number | null;
}

const STREAM_SHARE: Record<Stream, number> = {
  signIns: 0.02,
  directoryAudits: 0.005,
  riskDetections: 0,
  activity: 0.975,
  alerts: 0,
};

/** The project's root, whether this runs compiled (dist/bench) or from source (bench, under Vitest). */
function projectRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}
const bin = join(projectRoot(), "bin/warden.js");
const caFile = join(projectRoot(), "sim-tls/ca.crt");

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  // One seeded day gives the tenant (people, roles, subscriptions), the benign records used as templates
  // and, apart from them, the attacks' records: the noise is the same with or without the attacks.
  const day = tenantDay({ attacks: ATTACKS, noiseEvents: 3_000, seed: 2027, nearMisses: false });
  const noise = tenantDay({ attacks: [], noiseEvents: 3_000, seed: 2027, nearMisses: false });
  const noiseKeys = new Set(noise.records.map((r) => `${r.stream}|${eventKeyOf(r.stream, r.record)}`));
  const attackRecords = day.records.filter(
    (r) => !noiseKeys.has(`${r.stream}|${eventKeyOf(r.stream, r.record)}`),
  );
  const daySubscriptions = subscriptionsOf(day.records);
  const soakSubscriptions = Array.from(
    { length: options.subscriptions },
    (_, i) => `50a50a50-0000-4000-8000-${String(i).padStart(12, "0")}`,
  );
  const templates = templatesFrom(noise.records, daySubscriptions, soakSubscriptions);

  const started = Date.now();
  const sim = await startScenarioSim(day, {
    extraSubscriptions: soakSubscriptions,
    seededAt: started,
    // A minute, not Microsoft's 90 days: millions of records would not fit the simulator's memory (at
    // 10,000 a second a minute is 600,000 records, and the soak's process then holds about 2.5 GiB of
    // the 4 GiB Node gives it). A worker further behind than that loses events here, and the soak reports
    // them as never stored.
    retainLogsMs: 60_000,
  });
  const db = await freshDatabase(options.databaseAdminUrl);
  const prefix = `warden-soak-${randomBytes(4).toString("hex")}`;
  const worker = startWorker({
    WARDEN_TENANT_ID: day.tenant.id,
    AZURE_CLIENT_ID: SIM_APP.clientId,
    AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
    WARDEN_GRAPH_URL: sim.url,
    WARDEN_ARM_URL: sim.url,
    WARDEN_AUTHORITY_URL: sim.url,
    DATABASE_URL: db.url,
    REDIS_URL: options.redisUrl,
    WARDEN_QUEUE_PREFIX: prefix,
    WARDEN_POLL_INTERVAL_SECONDS: "10",
    WARDEN_POLL_OVERLAP_MINUTES: "0.05",
    WARDEN_INITIAL_LOOKBACK_HOURS: "0.01",
    WARDEN_RISKY_IP_RANGES: ATTACKER_RANGE,
    WARDEN_BREAK_GLASS_IDS: day.breakGlass.map((u) => u.id).join(","),
    WARDEN_METRICS_PORT: "0",
    LOG_LEVEL: "info",
  });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const samples: SoakSample[] = [];
  let generator: NodeJS.Timeout | undefined;
  try {
    // Logging starts once the worker serves its health endpoint: it is up and polling.
    await worker.metricsPort;
    // The tenant starts logging once Warden is up, as a deployment meets a tenant already busy.
    const begin = Date.now();
    const endAt = begin + options.seconds * 1_000;
    const attackAt = begin + (options.seconds * 1_000) / 3;
    let attacksPlayed = false;
    let sequence = 0;
    let owed = 0;
    let lastTick = begin;
    generator = setInterval(() => {
      const now = Date.now();
      if (now >= endAt) return;
      owed += ((now - lastTick) / 1_000) * options.rate;
      lastTick = now;
      const count = Math.floor(owed);
      owed -= count;
      for (let i = 0; i < count; i++) {
        sequence += 1;
        publishFresh(sim, templates, sequence, now);
      }
      if (!attacksPlayed && now >= attackAt) {
        attacksPlayed = true;
        playBack(sim.logs, attackRecords, { startAt: now, durationMs: 20_000 }, sim.directory);
        log(`soak: the ${ATTACKS.length} attacks are playing among the noise`);
      }
    }, 50);

    // Stored: rows counted as they commit, through the (tenant_id, seq) index (a count(*) over millions
    // of rows would load the database the soak measures; seq order is commit order, see events-repo).
    // Detection's lag: stored events past its cursor.
    let stored = 0;
    let seenSeq = 0;
    const sample = async (): Promise<SoakSample> => {
      const { rows: fresh } = await client.query<{ n: string; top: string | null }>(
        // What was read from the logs, against what they hold (Warden's own observations are not in them).
        "SELECT count(*) FILTER (WHERE source <> 'warden') AS n, max(seq) AS top FROM events WHERE tenant_id = $1 AND seq > $2",
        [day.tenant.id, seenSeq],
      );
      stored += Number(fresh[0]?.n ?? 0);
      seenSeq = Number(fresh[0]?.top ?? seenSeq);
      const { rows } = await client.query<{ cursor: string | null }>(
        "SELECT seq AS cursor FROM detection_cursor LIMIT 1",
      );
      const { rows: lagRows } = await client.query<{ lag: string }>(
        "SELECT count(*) AS lag FROM events WHERE tenant_id = $1 AND seq > $2",
        [day.tenant.id, Number(rows[0]?.cursor ?? 0)],
      );
      const logged = sim.logs.eventCount();
      return {
        at: Math.round((Date.now() - begin) / 100) / 10,
        logged,
        stored,
        backlog: logged - stored,
        detectLag: Number(lagRows[0]?.lag ?? 0),
        rssMiB: rssMiB(worker.child.pid),
      };
    };
    while (Date.now() < endAt) {
      await sleep(options.sampleEveryMs);
      const s = await sample();
      samples.push(s);
      const requests = sim.faults.log.filter((r) => r.at > Date.now() - options.sampleEveryMs);
      log(
        `soak: ${s.at.toFixed(0)} s logged ${s.logged} stored ${s.stored} backlog ${s.backlog} detection lag ${s.detectLag} worker RSS ${s.rssMiB} MiB; requests in the last interval: ${requests.length} (${requests.filter((r) => r.path.includes("eventtypes")).length} Activity Log)`,
      );
      if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${worker.tail()}`);
    }
    clearInterval(generator);
    const loggedEnd = Date.now();
    // Caught up: everything logged is stored and detection has read it. Attacks play 20 s from a third in.
    let drainSeconds: number | null = null;
    const drainDeadline = Date.now() + Math.max(120_000, options.seconds * 500);
    while (Date.now() < drainDeadline) {
      await sleep(2_000);
      const s = await sample();
      samples.push(s);
      if (s.backlog === 0 && s.detectLag === 0 && attacksPlayed) {
        drainSeconds = (Date.now() - loggedEnd) / 1_000;
        break;
      }
    }
    // Triage after detection: give the last incidents a moment to be written.
    await sleep(3_000);
    const { rows } = await client.query<{ rules: string[] }>(
      "SELECT rules FROM incidents WHERE state <> 'merged'",
    );
    const incidents = rows.map((r) => [...r.rules].sort().join(",")).sort();
    const last = samples.at(-1);
    const byEndpoint = Object.entries(sim.faults.counts.byEndpoint);
    const result: SoakResult = {
      options: {
        seconds: options.seconds,
        rate: options.rate,
        subscriptions: options.subscriptions,
        sampleEveryMs: options.sampleEveryMs,
      },
      samples,
      logged: last?.logged ?? 0,
      stored: last?.stored ?? 0,
      drainSeconds,
      loggedPerSecond: (last?.logged ?? 0) / options.seconds,
      incidents,
      missingAttacks: EXPECTED_INCIDENTS.filter((e) => !incidents.includes(e)),
      extraIncidents: incidents.filter((i) => !EXPECTED_INCIDENTS.includes(i)),
      requests: {
        graph: byEndpoint.filter(([e]) => e.includes("/v1.0/")).reduce((n, [, c]) => n + c, 0),
        arm: byEndpoint.filter(([e]) => !e.includes("/v1.0/")).reduce((n, [, c]) => n + c, 0),
        throttled: sim.faults.counts.throttled,
      },
      workerExit: null,
    };
    worker.child.kill("SIGTERM");
    result.workerExit = await worker.exited;
    return result;
  } finally {
    clearInterval(generator);
    worker.child.kill("SIGKILL");
    await client.end().catch(() => undefined);
    await sim.close();
    await db.drop();
    // The worker's queues and schedules, under the soak's own prefix.
    const queue = new BullMqQueue(options.redisUrl, prefix);
    await queue.obliterate(Object.values(QUEUE)).catch(() => undefined);
    await queue.close();
  }
}

interface Templates {
  /** Per stream (activity: per soak subscription), the benign records to stamp afresh. */
  activity: Map<string, Record<string, unknown>[]>;
  signIns: Record<string, unknown>[];
  directoryAudits: Record<string, unknown>[];
  subscriptions: string[];
}

/** Benign records of the generated day, their subscription ids moved onto the soak's subscriptions. */
function templatesFrom(records: readonly ScenarioRecord[], from: string[], to: string[]): Templates {
  const of = (stream: Stream) => records.filter((r) => r.stream === stream);
  const activity = new Map<string, Record<string, unknown>[]>();
  const subscriptionRecords = of("activity").filter((r) => r.subscriptionId !== undefined);
  to.forEach((target, i) => {
    const source = from[i % from.length] as string;
    const text = JSON.stringify(subscriptionRecords.map((r) => r.record));
    activity.set(target, JSON.parse(text.replaceAll(source, target)) as Record<string, unknown>[]);
  });
  return {
    activity,
    signIns: of("signIns").map((r) => r.record),
    directoryAudits: of("directoryAudits").map((r) => r.record),
    subscriptions: to,
  };
}

/** One new event in the tenant's logs, now: a template with fresh ids and timestamps. */
function publishFresh(sim: SimCloud, t: Templates, sequence: number, now: number): void {
  const pick = <T>(list: readonly T[]) => list[sequence % list.length] as T;
  const roll = (sequence * 0.6180339887) % 1;
  const id = `50a50a50-${(sequence >>> 16).toString(16).padStart(4, "0")}-4000-8000-${sequence.toString(16).padStart(12, "0")}`;
  let stream: Stream;
  let record: Record<string, unknown>;
  let subscriptionId: string | undefined;
  if (roll < STREAM_SHARE.signIns) {
    stream = "signIns";
    record = { ...pick(t.signIns), id, correlationId: id };
  } else if (roll < STREAM_SHARE.signIns + STREAM_SHARE.directoryAudits) {
    stream = "directoryAudits";
    record = { ...pick(t.directoryAudits), id: `Directory_${id}`, correlationId: id };
  } else {
    stream = "activity";
    subscriptionId = pick(t.subscriptions);
    const template = pick(t.activity.get(subscriptionId) ?? []);
    const resourceId = String(template["resourceId"]);
    record = {
      ...template,
      correlationId: id,
      eventDataId: id,
      operationId: id,
      id: `${resourceId}/events/${id}/ticks/${now}`,
    };
  }
  sim.logs.publish({
    stream,
    time: now,
    visibleAt: now,
    record: retime(stream, record, now),
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    eventKey: eventKeyOf(stream, record),
  });
}

interface SoakWorker {
  child: ChildProcess;
  metricsPort: Promise<number>;
  exited: Promise<number | null>;
  tail(): string;
}

/** What docs/deploy.md recommends in NODE_OPTIONS for a worker of a tenant logging thousands of events a second. */
const BUSY_TENANT_NODE_OPTIONS = "--max-semi-space-size=32";

function startWorker(env: Record<string, string>): SoakWorker {
  // The worker runs as docs/deploy.md says to run one for a busy tenant: with a larger young generation
  // (fewer, cheaper collections of the pages' short-lived objects). To profile it as well:
  // WARDEN_SOAK_NODE_ARGS="--max-semi-space-size=32 --cpu-prof --cpu-prof-dir=/tmp/prof" npm run soak.
  const nodeArgs = (process.env["WARDEN_SOAK_NODE_ARGS"] ?? BUSY_TENANT_NODE_OPTIONS)
    .split(" ")
    .filter((a) => a !== "");
  const child = spawn(process.execPath, [...nodeArgs, bin, "worker"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      NODE_EXTRA_CA_CERTS: caFile,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep the last lines only: a long soak's log would otherwise grow this process's memory.
  let recent = "";
  const keep = (d: Buffer) => {
    recent = (recent + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const metricsPort = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start: ${recent}`)), 60_000);
    const look = () => {
      const port = /"port":(\d+)[^\n]*worker health and metrics listening/.exec(recent)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        child.stdout?.off("data", look);
        resolve(Number(port));
      }
    };
    child.stdout?.on("data", look);
    child.once("exit", () => reject(new Error(`the worker exited at start: ${recent}`)));
  });
  return { child, metricsPort, exited, tail: () => recent.slice(-4_000) };
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, type Warden } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { BullMqQueue } from "../../src/jobs/queue/bullmq-queue.js";
import { QUEUE } from "../../src/jobs/queues.js";
import { createWebApp, listen } from "../../src/server/web.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { quietLogger } from "../helpers/logs.js";
import { freshPostgres, REDIS_URL, redisAvailable } from "../helpers/services.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * The operations endpoints of a real Warden (Postgres, BullMQ on Redis, the simulated Microsoft cloud):
 * readiness that names what failed, metrics behind a token or loopback, the queue dashboard behind
 * credentials, and nothing of a secret in any answer.
 */

const TENANT = "0b5e1c2d-3f4a-4b6c-8d7e-9f0a1b2c3d4e";
const METRICS_TOKEN = "m3tr1cs-t0ken-for-the-scraper-0123456789";
const ADMIN = { user: "ops", password: "a-long-dashboard-password" };
const quiet = () => quietLogger();
const withServices = await redisAvailable();

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function get(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(localAddress === undefined ? {} : { localAddress }) }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

describe.runIf(withServices)("operations endpoints", () => {
  let sim: SimCloud;
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  const opened: { warden: Warden; server: Server }[] = [];

  async function start(env: Record<string, string>): Promise<string> {
    const warden = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: SIM_APP.clientId,
          AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
          WARDEN_GRAPH_URL: sim.url,
          WARDEN_ARM_URL: sim.url,
          WARDEN_AUTHORITY_URL: sim.url,
          DATABASE_URL: pg.url,
          REDIS_URL,
          WARDEN_QUEUE_PREFIX: `ops-test-${process.pid}`,
          ...env,
        },
      }),
      quiet(),
    );
    const server = await listen(createWebApp(warden), 0, "127.0.0.1");
    opened.push({ warden, server });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    sim = await simCloud(TENANT, []);
    pg = await freshPostgres();
  });

  afterAll(async () => {
    for (const { warden, server } of opened) {
      server.closeAllConnections();
      server.close();
      await warden.close();
    }
    await pg?.drop();
    await sim?.close();
  });

  it("/healthz answers; /readyz checks the store, the queue and a Graph token", async () => {
    const url = await start({});
    expect((await get(`${url}/healthz`)).status).toBe(200);
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: "ready",
      checks: { database: "ok", queue: "ok", graphToken: "ok" },
      gaps: [],
    });
  });

  it("/readyz says what Warden cannot read (the root management group), and stays ready", async () => {
    sim.directory.appsReadRootScope = false;
    try {
      const url = await start({});
      const ready = await get(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({
        status: "ready",
        gaps: [
          expect.stringMatching(
            /^Azure role assignments at \/providers\/Microsoft\.Management\/managementGroups\/.+ cannot be read/,
          ),
        ],
      });
    } finally {
      sim.directory.appsReadRootScope = true;
    }
  });

  it("/readyz names the failed dependency, and never the secret that failed", async () => {
    const wrongSecret = "not-the-registered-secret-0000";
    const url = await start({ AZURE_CLIENT_SECRET: wrongSecret });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.body) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("not ready");
    expect(body.checks["database"]).toBe("ok");
    expect(body.checks["queue"]).toBe("ok");
    expect(body.checks["graphToken"]).toMatch(/^failed: /);
    expect(ready.body).not.toContain(wrongSecret);
  });

  it("/metrics: Prometheus text on loopback; refused from another address without a token", async () => {
    const url = await start({});
    const local = await get(`${url}/metrics`);
    expect(local.status).toBe(200);
    expect(local.headers["content-type"]).toContain("text/plain");
    for (const name of [
      "warden_events_ingested_total",
      "warden_findings_total",
      "warden_incidents",
      "warden_event_to_card_seconds",
      "warden_approval_to_contained_seconds",
      "warden_cloud_requests_total",
      "warden_cloud_throttled_total",
      "warden_queue_jobs",
      "warden_process_resident_memory_bytes",
    ]) {
      expect(local.body).toContain(`# TYPE ${name} `);
    }
    expect(local.body).toMatch(/^warden_queue_jobs\{queue="warden-detect",state="waiting"\} \d+$/m);
    expect(local.body).toMatch(/^warden_state_read_ok 1$/m);
    // 127.0.0.2 is this machine too, but not the loopback address Warden trusts: deny on doubt.
    const other = await get(`${url}/metrics`, {}, "127.0.0.2");
    expect(other.status).toBe(403);
    expect(other.body).toContain("WARDEN_METRICS_TOKEN");
    // A reverse proxy on this host forwards anyone's request from loopback: forwarded is not local.
    const forwardedHeaders: Record<string, string>[] = [
      { "x-forwarded-for": "198.51.100.7" },
      { forwarded: "for=198.51.100.7" },
    ];
    for (const forwarded of forwardedHeaders) {
      expect((await get(`${url}/metrics`, forwarded)).status).toBe(403);
    }
  });

  it("/metrics with WARDEN_METRICS_TOKEN: the bearer token and nothing else, from anywhere", async () => {
    const url = await start({ WARDEN_METRICS_TOKEN: METRICS_TOKEN });
    expect((await get(`${url}/metrics`)).status).toBe(401);
    expect((await get(`${url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await get(`${url}/metrics`, { authorization: METRICS_TOKEN })).status).toBe(401);
    const scraped = await get(`${url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` }, "127.0.0.2");
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain("# TYPE warden_incidents gauge");
  });

  it("/admin/queues is off without credentials, and behind them when they are set", async () => {
    const closed = await start({});
    const off = await get(`${closed}/admin/queues`);
    expect(off.status).toBe(404);
    expect(off.body).toContain("WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD");

    const url = await start({ WARDEN_ADMIN_USER: ADMIN.user, WARDEN_ADMIN_PASSWORD: ADMIN.password });
    const anonymous = await get(`${url}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain("Basic");
    expect((await get(`${url}/admin/queues`, basic(ADMIN.user, "wrong-password-0000000"))).status).toBe(401);
    expect((await get(`${url}/admin/queues`, basic("someone", ADMIN.password))).status).toBe(401);
    expect((await get(`${url}/admin/queues/api/queues`)).status).toBe(401);

    const page = await get(`${url}/admin/queues`, basic(ADMIN.user, ADMIN.password));
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    const warden = opened.at(-1)?.warden;
    expect(warden?.queue).toBeInstanceOf(BullMqQueue);
    await warden?.queue.add(
      QUEUE.detect,
      "detect",
      { tenantId: TENANT },
      { dedupeKey: `ops-test-${Date.now()}` },
    );
    const api = await get(`${url}/admin/queues/api/queues`, basic(ADMIN.user, ADMIN.password));
    expect(api.status).toBe(200);
    const names = (JSON.parse(api.body) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(Object.values(QUEUE).sort());
  });

  it("refuses weak or half-set operations credentials at start, naming the variable", () => {
    const base = { WARDEN_TENANT_ID: TENANT };
    expect(() => loadConfig({ env: { ...base, WARDEN_METRICS_TOKEN: "short" } })).toThrow(
      /WARDEN_METRICS_TOKEN must be at least 24 characters/,
    );
    expect(() => loadConfig({ env: { ...base, WARDEN_ADMIN_USER: "ops" } })).toThrow(
      /set both WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD/,
    );
    expect(() =>
      loadConfig({ env: { ...base, WARDEN_ADMIN_USER: "ops", WARDEN_ADMIN_PASSWORD: "short" } }),
    ).toThrow(/WARDEN_ADMIN_PASSWORD must be at least 16 characters/);
    expect(() => loadConfig({ env: { ...base, WARDEN_METRICS_PORT: "70000" } })).toThrow(
      /WARDEN_METRICS_PORT must be a port number from 0 to 65535/,
    );
    for (const bad of ["yes", "10.0.0.0/8/1", "loopback,proxy.example", "10.0.0.0/abc"]) {
      expect(() => loadConfig({ env: { ...base, WARDEN_TRUST_PROXY: bad } }), bad).toThrow(
        /WARDEN_TRUST_PROXY takes a hop count, or addresses, CIDR ranges/,
      );
    }
    const trusted = (v: string) => loadConfig({ env: { ...base, WARDEN_TRUST_PROXY: v } }).runtime.trustProxy;
    expect(trusted("1")).toBe(1);
    expect(trusted("loopback, 10.0.0.0/8,fd00::/8")).toBe("loopback,10.0.0.0/8,fd00::/8");
    expect(loadConfig({ env: base }).runtime.trustProxy).toBeUndefined();
  });
});

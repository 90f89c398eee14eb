import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWarden, type Warden } from "../../src/app.js";
import { runCommand } from "../../src/cli/run-commands.js";
import { loadConfig } from "../../src/config/index.js";
import { createOpsApp, listen } from "../../src/server/web.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { simTlsFile } from "../../src/sim/cloud/tls.js";
import { refuseSimulatorTrustOffLoopback } from "../../src/simulator-trust.js";
import { quietLogger } from "../helpers/logs.js";
import { nameConstraints } from "../helpers/name-constraints.js";
import { SIM_APP, simCloud } from "../helpers/sim.js";

/**
 * Issue 17, finding 12: trust material and error detail.
 * - The simulator's CA had no name constraints, and nothing stopped a production Warden from starting
 *   with it trusted: whoever held (or re-derived) a certificate from it could be graph.microsoft.com.
 * - /readyz answered anyone with the first line of the database's, Redis' and the sign-in's errors
 *   (host names, users, tenant details); /metrics already kept such things to loopback or a token.
 */

const TENANT = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
const METRICS_TOKEN = "readyz-and-metrics-token-0123456789abcdef";
let folder: string;

function collect(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "warden-trust-"));
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

describe("the simulator's CA", () => {
  it("vouches for loopback names only: critical name constraints permit localhost, 127.0.0.0/8 and ::1", () => {
    const ca = readFileSync(simTlsFile("ca.crt"));
    expect(new X509Certificate(ca).ca).toBe(true);
    expect(nameConstraints(ca)).toEqual({
      critical: true,
      permitted: [
        "DNS:localhost",
        "IP:127.0.0.0/255.0.0.0",
        "IP:0:0:0:0:0:0:0:1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      ],
      excluded: 0,
    });
    // The simulator's own certificate is inside them, and signed by this CA.
    const leaf = new X509Certificate(readFileSync(simTlsFile("localhost.crt")));
    expect(leaf.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(leaf.verify(new X509Certificate(ca).publicKey)).toBe(true);
  });

  it("trusted by a Warden whose Microsoft URLs are not loopback, stops it from starting, naming the settings", async () => {
    // A copy under another name, inside a bundle: recognised by its fingerprint, not its path.
    const bundle = join(folder, "corporate-bundle.pem");
    await writeFile(
      bundle,
      `${readFileSync(simTlsFile("localhost.crt"), "utf8")}\n${readFileSync(simTlsFile("ca.crt"), "utf8")}`,
    );
    const stderr = collect();
    const code = await runCommand(
      "web",
      {},
      {
        stdout: collect().stream,
        stderr: stderr.stream,
        stdinIsTty: false,
        env: {
          WARDEN_TENANT_ID: TENANT,
          NODE_EXTRA_CA_CERTS: bundle,
          WARDEN_DATA_DIR: join(folder, "data"),
          WARDEN_PORT: "47931",
          WARDEN_ARM_URL: "https://127.0.0.1:8443",
        },
      },
    );
    expect(code).toBe(2);
    const said = stderr.text();
    expect(said).toContain(`NODE_EXTRA_CA_CERTS (${bundle}) trusts the simulator's test CA`);
    expect(said).toContain("WARDEN_GRAPH_URL (https://graph.microsoft.com)");
    expect(said).toContain("WARDEN_AUTHORITY_URL (https://login.microsoftonline.com)");
    // The loopback one is not at fault.
    expect(said).not.toContain("WARDEN_ARM_URL (");
  }, 5_000);

  it("is recognised under the older PEM label OpenSSL also loads, `X509 CERTIFICATE`", async () => {
    const bundle = join(folder, "old-label.pem");
    const ca = readFileSync(simTlsFile("ca.crt"), "utf8").replace(
      /(BEGIN|END) CERTIFICATE/g,
      "$1 X509 CERTIFICATE",
    );
    await writeFile(bundle, ca);
    // Node trusts it under that label: a child process with it verifies the simulator's certificate.
    const probe = [
      'const tls = require("node:tls"); const fs = require("node:fs");',
      `const s = tls.createServer({ cert: fs.readFileSync(${JSON.stringify(simTlsFile("localhost.crt"))}), key: fs.readFileSync(${JSON.stringify(simTlsFile("localhost.key"))}) }, (c) => c.end());`,
      's.listen(0, "127.0.0.1", () => { const c = tls.connect({ port: s.address().port, host: "127.0.0.1", servername: "localhost" }, () => { process.stdout.write(String(c.authorized)); c.destroy(); s.close(); }); c.on("error", (e) => { process.stdout.write(e.code); s.close(); }); });',
    ].join("\n");
    const trusted = execFileSync(process.execPath, ["-e", probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle },
      encoding: "utf8",
    });
    expect(trusted).toBe("true");
    const runtime = loadConfig({ env: { NODE_EXTRA_CA_CERTS: bundle } }).runtime;
    expect(() => refuseSimulatorTrustOffLoopback(runtime)).toThrow(/trusts the simulator's test CA/);
  });

  it("its first, unconstrained version, still in bundles made from older checkouts, is refused too", () => {
    const retired = new URL("../fixtures/sim-tls/retired-ca.crt", import.meta.url).pathname;
    expect(nameConstraints(readFileSync(retired))).toBeUndefined();
    const runtime = loadConfig({ env: { NODE_EXTRA_CA_CERTS: retired } }).runtime;
    expect(() => refuseSimulatorTrustOffLoopback(runtime)).toThrow(/trusts the simulator's test CA/);
  });

  it("is allowed where every Microsoft URL is loopback, and a bundle without it changes nothing", async () => {
    const runtime = (env: Record<string, string>) => loadConfig({ env }).runtime;
    const loopback = {
      NODE_EXTRA_CA_CERTS: simTlsFile("ca.crt"),
      WARDEN_GRAPH_URL: "https://localhost:8443",
      WARDEN_ARM_URL: "https://127.0.0.1:8443",
      WARDEN_AUTHORITY_URL: "https://[::1]:8443",
    };
    expect(() => refuseSimulatorTrustOffLoopback(runtime(loopback))).not.toThrow();
    const other = join(folder, "other.pem");
    await writeFile(other, readFileSync(simTlsFile("localhost.crt")));
    expect(() => refuseSimulatorTrustOffLoopback(runtime({ NODE_EXTRA_CA_CERTS: other }))).not.toThrow();
    expect(() =>
      refuseSimulatorTrustOffLoopback(runtime({ NODE_EXTRA_CA_CERTS: join(folder, "none.pem") })),
    ).not.toThrow();
  });
});

interface Answer {
  status: number;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(localAddress === undefined ? {} : { localAddress }) }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("/readyz", () => {
  let sim: SimCloud;
  let warden: Warden;
  let url: string;
  let close: () => Promise<void>;
  const wrongSecret = "not-the-registered-secret-0000";

  beforeAll(async () => {
    sim = await simCloud(TENANT, []);
    warden = await openWarden(
      loadConfig({
        env: {
          WARDEN_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: SIM_APP.clientId,
          AZURE_CLIENT_SECRET: wrongSecret,
          WARDEN_GRAPH_URL: sim.url,
          WARDEN_ARM_URL: sim.url,
          WARDEN_AUTHORITY_URL: sim.url,
          WARDEN_DATA_DIR: join(folder, "readyz"),
          WARDEN_METRICS_TOKEN: METRICS_TOKEN,
        },
      }),
      quietLogger(),
    );
    const server = await listen(createOpsApp(warden), 0, "127.0.0.1");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await warden.close();
      await sim.close();
    };
  }, 90_000);
  afterAll(async () => close?.());

  it("tells another address only ok or failed per check, never the error's text", async () => {
    const tries: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { "x-forwarded-for": "127.0.0.1" },
    ];
    for (const headers of tries) {
      const remote = await get(url, headers, "127.0.0.2");
      expect(remote.status).toBe(503);
      // What Warden cannot read is counted for anyone, and named only for loopback or the token.
      expect(JSON.parse(remote.body)).toEqual({
        status: "not ready",
        checks: { database: "ok", queue: "ok", graphToken: "failed" },
        gaps: 1,
      });
    }
    // Forwarded by a proxy on this host is someone else's request too.
    const forwarded = await get(url, { "x-forwarded-for": "198.51.100.7" });
    expect(JSON.parse(forwarded.body)).toMatchObject({ checks: { graphToken: "failed" } });
  });

  it("tells loopback and the bearer token why a check failed, without the secret", async () => {
    for (const answer of [
      await get(url),
      await get(url, { authorization: `Bearer ${METRICS_TOKEN}` }, "127.0.0.2"),
    ]) {
      expect(answer.status).toBe(503);
      const body = JSON.parse(answer.body) as { checks: Record<string, string> };
      expect(body.checks["graphToken"]).toMatch(/^failed: .+/);
      expect(answer.body).not.toContain(wrongSecret);
    }
  });
});

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeConnector } from "../../src/sim/bot/connector.js";
import { until } from "../helpers/pipeline.js";

/**
 * Issue 17, finding 9: local mode was open to DNS rebinding and to invented approvers.
 * `WARDEN_BOT_LOCAL_MODE=true warden web` runs the bot without Bot Framework authentication, on
 * 127.0.0.1. It answered a request whatever its Host (a page on evil.example that rebinds its name to
 * 127.0.0.1 can post to it from the analyst's browser), took whatever `from.aadObjectId` it was sent as the
 * clicker (an approver, if it names one), and sent its answer to the activity's `serviceUrl`, wherever
 * that pointed. Here: the real `warden web` process, as an operator starts it, and a simulated Bot
 * Connector on loopback that records what the bot sends. Each refusal is also checked by what the
 * connector did not receive.
 */

const TENANT = "4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b";
const bin = join(import.meta.dirname, "../../bin/warden.js");

interface Answer {
  status: number;
  body: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe("local mode answers this machine's own callers only (finding 9)", () => {
  let folder: string;
  let child: ChildProcess;
  let output = "";
  let port: number;
  let token: string;
  const connector = new FakeConnector();

  /** POST /api/messages with the Host, token and activity given (node:http: fetch will not set Host). */
  function post(activity: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
    const body = JSON.stringify(activity);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/messages",
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** A chat message asking for help: the bot answers it through the activity's serviceUrl. */
  const help = (serviceUrl: string, conversation: string) => ({
    type: "message",
    text: "help",
    channelId: "msteams",
    serviceUrl,
    conversation: { id: conversation, conversationType: "personal" },
    from: { id: "29:someone", aadObjectId: "00000000-0000-4000-8000-0000000a771e" },
    recipient: { id: "28:warden" },
  });
  const sentTo = (conversation: string) => connector.sent.filter((s) => s.conversationId === conversation);
  const host = () => `127.0.0.1:${port}`;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "warden-local-"));
    await connector.start();
    port = await freePort();
    child = spawn(process.execPath, [bin, "web"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        LOG_LEVEL: "info",
        WARDEN_TENANT_ID: TENANT,
        WARDEN_DATA_DIR: join(folder, "data"),
        WARDEN_PORT: String(port),
        WARDEN_BOT_LOCAL_MODE: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    // The token is printed before the "web listening" log line, on the same stream. Opening the embedded
    // store took over 20 s once on a loaded machine (a run with one core kept busy): a minute, to find a hang.
    await until(async () => output.includes('"web listening"'), 60_000, "warden web to listen").catch(
      (error: Error) => {
        throw new Error(`${error.message}; it said: ${output}`);
      },
    );
    token = /X-Warden-Local-Token: (\S+)/.exec(output)?.[1] ?? "";
  }, 90_000);

  afterAll(async () => {
    child?.kill("SIGTERM");
    if (child !== undefined && child.exitCode === null)
      await new Promise((resolve) => child.once("exit", resolve));
    await connector.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("prints a per-run token at start, and the address to use it on", () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(output).toContain(`http://127.0.0.1:${port}/api/messages`);
  });

  it("refuses a foreign Host (DNS rebinding), even with the right token", async () => {
    const answer = await post(help(connector.url, "a:rebound"), {
      host: `evil.example:${port}`,
      "x-warden-local-token": token,
    });
    expect(answer.status).toBe(421);
    expect(answer.body).toContain("127.0.0.1");
    expect(sentTo("a:rebound")).toEqual([]);
  });

  it("refuses a request without the token, or with a wrong one", async () => {
    const missing = await post(help(connector.url, "a:no-token"), { host: host() });
    expect(missing.status).toBe(401);
    expect(missing.body).toContain("X-Warden-Local-Token");
    const wrong = await post(help(connector.url, "a:wrong-token"), {
      host: host(),
      "x-warden-local-token": `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
    });
    expect(wrong.status).toBe(401);
    expect(sentTo("a:no-token")).toEqual([]);
    expect(sentTo("a:wrong-token")).toEqual([]);
  });

  it("refuses a serviceUrl off loopback: the answer would go where the caller chose", async () => {
    // 0.0.0.0 reaches this machine's loopback servers, but is no loopback name: deny on doubt.
    const zero = connector.url.replace("127.0.0.1", "0.0.0.0");
    for (const [serviceUrl, conversation] of [
      [zero, "a:zero"],
      ["https://attacker.example/", "a:attacker"],
      ["http://127.0.0.1@attacker.example/", "a:userinfo"],
    ] as const) {
      const answer = await post(help(serviceUrl, conversation), {
        host: host(),
        "x-warden-local-token": token,
      });
      expect(answer.status, serviceUrl).toBe(403);
      expect(answer.body).toContain("serviceUrl");
      expect(sentTo(conversation)).toEqual([]);
    }
  });

  it("serves a request with a loopback Host, the token and a loopback serviceUrl", async () => {
    for (const name of ["127.0.0.1", "localhost"]) {
      const conversation = `a:served-${name}`;
      const answer = await post(help(connector.url, conversation), {
        host: `${name}:${port}`,
        "x-warden-local-token": token,
      });
      expect(answer.status).toBe(200);
      await until(async () => sentTo(conversation).length > 0, 4_000, `the bot's answer on ${name}`);
    }
  });
});

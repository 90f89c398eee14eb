import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { AUTHENTICATED, type FloodGuardOptions, floodGuard } from "../../src/server/flood-guard.js";
import { listen } from "../../src/server/web.js";

/**
 * The guard in front of /api/messages, on a real Express server over real HTTP: the route behind it
 * authenticates with a header, answers what it is asked to, or waits until released. Clients are told
 * apart by X-Forwarded-For, with loopback trusted as the proxy, as a deployment behind one would be.
 */

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function guarded(options: Partial<FloodGuardOptions> & { clock?: { now: number } }) {
  const app = express();
  app.set("trust proxy", "loopback");
  const limited: string[] = [];
  const releases: (() => void)[] = [];
  app.post(
    "/r",
    floodGuard({
      refusalsPerWindow: 5,
      windowMs: 60_000,
      maxInFlight: 100,
      maxInFlightPerClient: 100,
      maxClients: 1_000,
      ...options,
      ...(options.clock === undefined ? {} : { now: () => options.clock?.now ?? 0 }),
      onLimited: (client) => limited.push(client),
    }),
    async (req, res) => {
      if (req.headers["x-hold"] !== undefined) await new Promise<void>((resolve) => releases.push(resolve));
      if (req.headers["x-auth"] !== "ok") {
        res.status(401).end();
        return;
      }
      res.locals[AUTHENTICATED] = true;
      res.status(Number(req.headers["x-status"] ?? 200)).end();
    },
  );
  const server = await listen(app, 0, "127.0.0.1");
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
  const post = async (client: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: "POST", headers: { "x-forwarded-for": client, ...headers } });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
  };
  return { post, limited, releases };
}

describe("the flood guard", () => {
  it("answers 429 to a client past its unauthenticated refusals, and only to that client", async () => {
    const { post, limited } = await guarded({});
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await post("203.0.113.9")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const refused = await post("203.0.113.9", { "x-auth": "ok" });
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(refused.body).toContain("retry after");
    // Another client (Teams, say) is served as before.
    expect((await post("52.112.0.10", { "x-auth": "ok" })).status).toBe(200);
    expect((await post("52.112.0.10")).status).toBe(401);
    expect(limited).toEqual(["203.0.113.9"]);
  });

  it("does not count an authenticated client's 4xx answers: those are the bot's, not a flood's", async () => {
    const { post } = await guarded({});
    for (let i = 0; i < 12; i++) {
      expect((await post("52.112.0.10", { "x-auth": "ok", "x-status": "400" })).status).toBe(400);
    }
    expect((await post("52.112.0.10", { "x-auth": "ok" })).status).toBe(200);
  });

  it("forgets a client's refusals when its window ends", async () => {
    const clock = { now: 1_000_000 };
    const { post } = await guarded({ clock });
    for (let i = 0; i < 5; i++) await post("203.0.113.9");
    expect((await post("203.0.113.9")).status).toBe(429);
    clock.now += 59_000;
    expect((await post("203.0.113.9")).retryAfter).toBe("1");
    clock.now += 1_000;
    expect((await post("203.0.113.9", { "x-auth": "ok" })).status).toBe(200);
  });

  it("answers 503 past the requests it handles at once, and serves again when they end", async () => {
    const { post, releases } = await guarded({ maxInFlight: 3 });
    const held = [1, 2, 3].map(() => post("52.112.0.10", { "x-auth": "ok", "x-hold": "1" }));
    await expect.poll(() => releases.length).toBe(3);
    const busy = await post("52.112.0.11", { "x-auth": "ok" });
    expect(busy.status).toBe(503);
    expect(busy.retryAfter).toBe("1");
    for (const release of releases) release();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect((await post("52.112.0.11", { "x-auth": "ok" })).status).toBe(200);
  });

  it("remembers at most maxClients clients: a flood from many addresses cannot grow it", async () => {
    const { post } = await guarded({ maxClients: 3, refusalsPerWindow: 2 });
    for (const client of ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]) {
      await post(client);
      await post(client);
    }
    // The oldest was forgotten to make room; the newest three are still limited.
    expect((await post("198.51.100.1", { "x-auth": "ok" })).status).toBe(200);
    expect((await post("198.51.100.4", { "x-auth": "ok" })).status).toBe(429);
  });
});

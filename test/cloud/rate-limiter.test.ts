import { describe, expect, it } from "vitest";
import { chunksWithinLimits } from "../../src/cloud/graph-batch.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";

/**
 * The limiter paces by when a request ended: Microsoft counts arrivals, and a request that left late
 * arrives before its answer, so a window started at the answer holds at arrival, however late it left.
 */

const oneAt50ms = { requests: 1, windowMs: 50 };
const settled = async (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 0))]);

describe("the rate limiter", () => {
  it("gives no slot while the request before it is still open, however long it has been", async () => {
    const limiter = new RateLimiter(Date.now, 10_000);
    const first = await limiter.take("k", oneAt50ms);
    const second = limiter.take("k", oneAt50ms);
    // Four windows go by with the first request unanswered: departure-only pacing would have let it go.
    await new Promise((r) => setTimeout(r, 200));
    expect(await settled(second)).toBe(false);
    const answeredAt = Date.now();
    first();
    const release = await second;
    // Its window starts at the first one's answer.
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(50);
    release();
  });

  it("counts a slot never released as ended at the request timeout, so a key cannot block for ever", async () => {
    const limiter = new RateLimiter(Date.now, 100);
    await limiter.take("k", oneAt50ms); // never released
    const takenAt = Date.now();
    const release = await limiter.take("k", oneAt50ms);
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(100);
    release();
  });

  it("keeps n slots per window, each key on its own", async () => {
    const limiter = new RateLimiter(Date.now, 10_000);
    const three = { requests: 3, windowMs: 60_000 };
    const held = [
      await limiter.take("a", three),
      await limiter.take("a", three),
      await limiter.take("a", three),
    ];
    const other = await limiter.take("b", three);
    const fourth = limiter.take("a", three);
    await new Promise((r) => setTimeout(r, 20));
    expect(await settled(fourth)).toBe(false);
    for (const release of [...held, other]) release();
    // Released slots still hold their window (a minute): the fourth waits on.
    await new Promise((r) => setTimeout(r, 20));
    expect(await settled(fourth)).toBe(false);
  });
});

describe("$batch requests within rate limits", () => {
  const ca = (id: string, dependsOn?: string[]) => ({
    id,
    method: "PATCH" as const,
    url: `/identity/conditionalAccess/policies/${id}`,
    ...(dependsOn === undefined ? {} : { dependsOn }),
  });
  const user = (id: string, dependsOn?: string[]) => ({
    id,
    method: "PATCH" as const,
    url: `/users/${id}`,
    ...(dependsOn === undefined ? {} : { dependsOn }),
  });

  it("puts one conditional access step in a request (1 a second), the rest 20 to a request", () => {
    const steps = [ca("p1"), user("u1"), ca("p2"), ...Array.from({ length: 22 }, (_, i) => user(`v${i}`))];
    const chunks = chunksWithinLimits(steps).map((c) => c.map((s) => s.id));
    expect(chunks.map((c) => c.filter((id) => id.startsWith("p")).length)).toEqual([1, 1]);
    expect(chunks.every((c) => c.length <= 20)).toBe(true);
    expect(chunks.flat().sort()).toEqual(steps.map((s) => s.id).sort());
  });

  it("sends a step whose dependency was deferred after it, never before", () => {
    const chunks = chunksWithinLimits([ca("p1"), ca("p2"), user("u1", ["p2"]), user("u2")]).map((c) =>
      c.map((s) => s.id),
    );
    expect(chunks).toEqual([
      ["p1", "u2"],
      ["p2", "u1"],
    ]);
  });
});

describe("which of Graph's documented limits a request waits for", () => {
  it("the reports' for the logs and the authentication methods reports; the reports' and signInActivity's for a users read selecting it", async () => {
    const { graphLimitsFor } = await import("../../src/cloud/limited-transport.js");
    const names = (url: string) => graphLimitsFor(url).map((l) => l.name);
    expect(names("https://graph.microsoft.com/v1.0/auditLogs/signIns?$top=999")).toEqual(["graphReports"]);
    expect(
      names("https://graph.microsoft.com/v1.0/reports/authenticationMethods/userRegistrationDetails"),
    ).toEqual(["graphReports"]);
    expect(
      names("https://graph.microsoft.com/v1.0/users?$filter=id%20in%20('a')&$select=id,signInActivity"),
    ).toEqual(["graphReports", "signInActivity"]);
    expect(names("https://graph.microsoft.com/v1.0/users?$select=id,displayName")).toEqual(["graphIdentity"]);
    expect(names("https://graph.microsoft.com/beta/identity/conditionalAccess/policies")).toEqual([
      "identityProtection",
    ]);
  });
});

import { timingSafeEqual } from "node:crypto";
import express, { type Request, type RequestHandler } from "express";
import { BullMqQueue } from "../jobs/queue/bullmq-queue.js";
import { QUEUE } from "../jobs/queues.js";
import { wardenRegistry } from "../metrics/warden-registry.js";
import type { Warden } from "../warden.js";
import { readOnlyQueueDashboard } from "./queue-dashboard.js";

const READY_TIMEOUT_MS = 5_000;

/**
 * What operators and orchestrators read: /healthz (the process answers), /readyz (the store, the queue
 * and a Graph token, and the scopes Warden cannot read, without failing on them: ok or failed to anyone, and why it failed only to loopback or the metrics bearer
 * token, since an error's first line can name hosts, users and databases), /metrics (Prometheus; a bearer token, or loopback only without
 * one) and, when credentials are configured, the BullMQ dashboard at /admin/queues, read-only.
 */
export function opsRoutes(warden: Warden): express.Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  const token = warden.config.runtime.ops.metricsToken;
  router.get("/readyz", async (req, res) => {
    const checks = Object.fromEntries(
      await Promise.all(
        (
          [
            ["database", () => warden.db.query("SELECT 1")],
            ["queue", () => warden.queue.counts(QUEUE.detect)],
            ["graphToken", () => warden.graphToken()],
            ...(warden.botToken === undefined ? [] : ([["botToken", warden.botToken]] as const)),
          ] as const
        ).map(async ([name, check]) => [name, await outcome(check)] as const),
      ),
    );
    const ready = Object.values(checks).every((c) => c === "ok");
    const detailed = isLoopback(req) || (token !== undefined && bearerMatches(req, token));
    const gaps = await readGaps();
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not ready",
      checks: detailed ? checks : withoutDetail(checks),
      // What Warden cannot see, though it runs: not unreadiness, but said (issue 18, point 3).
      gaps: detailed ? gaps : gaps.length,
    });
  });
  const readGaps = cachedFor(GAPS_EVERY_MS, () => visibilityGaps(warden));

  const registry = wardenRegistry({ db: warden.db, queue: warden.queue, tenantId: warden.tenantId });
  router.get("/metrics", async (req, res) => {
    if (token === undefined ? !isLoopback(req) : !bearerMatches(req, token)) {
      res
        .status(token === undefined ? 403 : 401)
        .type("text/plain")
        .send(
          token === undefined
            ? "metrics answer this machine only: set WARDEN_METRICS_TOKEN and scrape with it as a bearer token\n"
            : "metrics need the bearer token set in WARDEN_METRICS_TOKEN\n",
        );
      return;
    }
    res.type(registry.contentType).send(await registry.metrics());
  });

  const admin = warden.config.runtime.ops.admin;
  if (admin !== undefined && warden.queue instanceof BullMqQueue) {
    router.use(
      "/admin/queues",
      basicAuth(admin.user, admin.password),
      readOnlyQueueDashboard("/admin/queues", warden.queue.bullQueues(Object.values(QUEUE))),
    );
  } else {
    router.use("/admin/queues", (_req, res) => {
      res
        .status(404)
        .type("text/plain")
        .send(
          admin === undefined
            ? "the queue dashboard is off: set WARDEN_ADMIN_USER and WARDEN_ADMIN_PASSWORD to open it\n"
            : "the queue dashboard needs the Redis queue (REDIS_URL); the embedded queue has none\n",
        );
    });
  }
  return router;
}

/** How long what Warden cannot see is trusted before it is read again: an ARM listing, not a ping. */
const GAPS_EVERY_MS = 10 * 60_000;

/**
 * The scopes Warden's app cannot read (the root management group, when it was given rights on
 * subscriptions only): role assignments held there are missing from the inventory and from removals.
 */
async function visibilityGaps(warden: Warden): Promise<string[]> {
  try {
    const { unreadable } = await warden.respond.rbac.assignmentsAndGaps([]);
    return unreadable.map((scope) => `Azure role assignments at ${scope} cannot be read by Warden's app`);
  } catch (error) {
    return [`Azure role assignments at the root could not be checked: ${firstLine(error)}`];
  }
}

/** `read` at most once every `everyMs`; callers meanwhile share the last answer. */
function cachedFor<T>(everyMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (last === undefined || Date.now() - last.at >= everyMs) last = { at: Date.now(), value: read() };
    return last.value;
  };
}

function firstLine(error: unknown): string {
  return (
    String((error as Error).message ?? error)
      .split("\n")[0]
      ?.slice(0, 300) ?? ""
  );
}

/** Each check as "ok" or "failed", without the error's text. */
function withoutDetail(checks: Record<string, string>): Record<string, "ok" | "failed"> {
  return Object.fromEntries(Object.entries(checks).map(([name, c]) => [name, c === "ok" ? "ok" : "failed"]));
}

async function outcome(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${READY_TIMEOUT_MS / 1_000} s`)),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
    return "ok";
  } catch (error) {
    // The first line only: enough to say what failed, never a stack or a long SDK dump.
    return `failed: ${firstLine(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

function isLoopback(req: Request): boolean {
  // A request a proxy on this host forwarded comes from loopback too, on behalf of anyone: a forwarding
  // header makes it remote (a client adding one itself only gives up the loopback privilege).
  if (req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined) return false;
  const address = req.socket.remoteAddress ?? "";
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearerMatches(req: Request, token: string): boolean {
  const header = req.headers.authorization ?? "";
  return header.startsWith("Bearer ") && same(header.slice("Bearer ".length), token);
}

function basicAuth(user: string, password: string): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const decoded = header.startsWith("Basic ")
      ? Buffer.from(header.slice("Basic ".length), "base64").toString("utf8")
      : "";
    const colon = decoded.indexOf(":");
    // Both compared in full, whatever the first gives, so timing tells nothing about which was wrong.
    const userOk = same(decoded.slice(0, Math.max(colon, 0)), user);
    const passwordOk = same(decoded.slice(colon + 1), password);
    if (colon > 0 && userOk && passwordOk) {
      next();
      return;
    }
    res
      .set("WWW-Authenticate", 'Basic realm="Warden queues", charset="UTF-8"')
      .status(401)
      .send("credentials needed\n");
  };
}

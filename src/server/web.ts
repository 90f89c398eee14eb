import { createServer, type Server } from "node:http";
import express from "express";
import { BotStartError, botConfigured, createBot, messagesRoute } from "../bot/index.js";
import { authenticationOff } from "../config/bot.js";
import type { HttpLimits } from "../config/index.js";
import { type Warden, workflowDeps } from "../warden.js";
import { DEFAULT_FLOOD_GUARD, floodGuard } from "./flood-guard.js";
import { opsRoutes } from "./ops-routes.js";

export interface WebAppOptions {
  /**
   * The per-run token a local-mode bot (no app id) requires of every request (`warden web` makes and
   * prints one). Without it such a bot does not start: its /api/messages would have no authentication.
   */
  localModeToken?: string;
}

/**
 * The web process: the bot's /api/messages (when a bot is configured) and the operations endpoints.
 */
export function createWebApp(warden: Warden, options: WebAppOptions = {}): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy, the client is the address it forwards (WARDEN_TRUST_PROXY); unset, the socket's.
  if (warden.config.runtime.trustProxy !== undefined)
    app.set("trust proxy", warden.config.runtime.trustProxy);
  if (botConfigured(warden)) {
    const local = authenticationOff(warden.config.bot);
    if (local && (options.localModeToken ?? "").length < 32) {
      throw new BotStartError(
        "local mode (WARDEN_BOT_LOCAL_MODE without MICROSOFT_APP_ID) needs a per-run token of 32+ characters: start it with `warden web` or `warden serve`, which make one and print it",
      );
    }
    const { adapter, bot, authenticate } = createBot(warden, workflowDeps(warden));
    const limits = warden.config.runtime.http;
    const guard = floodGuard({
      ...DEFAULT_FLOOD_GUARD,
      maxInFlightPerClient: limits.maxInFlightPerClient,
      onLimited: (client, refusals) =>
        warden.log.warn(
          { client, refusals },
          "answering 429 to a client whose requests to /api/messages keep failing authentication",
        ),
    });
    const requireToken = warden.config.bot.appId !== undefined;
    app.use(
      messagesRoute(adapter, bot, {
        requireToken,
        guard,
        ...(requireToken ? { authenticate } : {}),
        bodyTimeoutMs: limits.bodyTimeoutMs,
        ...(local ? { localModeToken: options.localModeToken } : {}),
      }),
    );
  } else {
    warden.log.warn(
      "the Teams bot is off: set MICROSOFT_APP_ID (see docs/deploy.md) to receive and approve incident cards",
    );
  }
  // With the operations on a port of their own (WARDEN_OPS_PORT), the internet's port says only that the
  // process is up: readiness names hosts and failures, metrics name tenants.
  if (warden.config.runtime.ops.webOpsPort === undefined) app.use(opsRoutes(warden));
  else app.get("/healthz", (_req, res) => res.json({ status: "ok" }));
  return app;
}

/** Production's limits, for servers whose caller names none (tests, the demo console). */
const DEFAULT_HTTP_LIMITS: Pick<HttpLimits, "headersTimeoutMs" | "bodyTimeoutMs"> = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
};

/**
 * Serves `app`. A client must send its headers within `headersTimeoutMs` and its whole request within
 * headers + body time, or Node answers 408 and closes the connection: slow clients cannot hold sockets
 * for Node's defaults (a minute, five). Node checks these every `connectionsCheckingInterval`, set here
 * to a quarter of the headers' time (its default, 30 s, would let a short limit run long).
 */
export function listen(
  app: express.Express,
  port: number,
  host = "0.0.0.0",
  limits: Pick<HttpLimits, "headersTimeoutMs" | "bodyTimeoutMs"> = DEFAULT_HTTP_LIMITS,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
        connectionsCheckingInterval: Math.max(100, Math.floor(limits.headersTimeoutMs / 4)),
      },
      app,
    );
    server.listen(port, host, () => resolve(server));
    server.on("error", reject);
  });
}

/** A worker's (or, with WARDEN_OPS_PORT, the web's) own small server: health, readiness and metrics. */
export function createOpsApp(warden: Warden): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(opsRoutes(warden));
  return app;
}

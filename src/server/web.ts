import type { Server } from "node:http";
import express from "express";
import { type Warden, workflowDeps } from "../app.js";
import { botConfigured, createBot, messagesRoute } from "../bot/index.js";
import { DEFAULT_FLOOD_GUARD, floodGuard } from "./flood-guard.js";
import { opsRoutes } from "./ops-routes.js";

/**
 * The web process: the bot's /api/messages (when a bot is configured) and the operations endpoints.
 */
export function createWebApp(warden: Warden): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy, the client is the address it forwards (WARDEN_TRUST_PROXY); unset, the socket's.
  if (warden.config.runtime.trustProxy !== undefined)
    app.set("trust proxy", warden.config.runtime.trustProxy);
  if (botConfigured(warden)) {
    const { adapter, bot } = createBot(warden, workflowDeps(warden));
    const guard = floodGuard({
      ...DEFAULT_FLOOD_GUARD,
      onLimited: (client, refusals) =>
        warden.log.warn(
          { client, refusals },
          "answering 429 to a client whose requests to /api/messages keep failing authentication",
        ),
    });
    app.use(messagesRoute(adapter, bot, { requireToken: warden.config.bot.appId !== undefined, guard }));
  } else {
    warden.log.warn(
      "the Teams bot is off: set MICROSOFT_APP_ID (see docs/deploy.md) to receive and approve incident cards",
    );
  }
  app.use(opsRoutes(warden));
  return app;
}

export function listen(app: express.Express, port: number, host = "0.0.0.0"): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.on("error", reject);
  });
}

/** A worker's own small web server: health, readiness and its metrics, nothing else. */
export function createOpsApp(warden: Warden): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(opsRoutes(warden));
  return app;
}

import type { Server } from "node:http";
import express from "express";
import { type Warden, workflowDeps } from "../app.js";
import { botConfigured, createBot, messagesRoute } from "../bot/index.js";

/**
 * The web process: health and readiness now; the bot's /api/messages, metrics and the console join it
 * in their issues. Readiness says which dependency failed, never with secrets or stack traces.
 */
export function createWebApp(warden: Warden): express.Express {
  const app = express();
  app.disable("x-powered-by");
  if (botConfigured(warden)) {
    const { adapter, bot } = createBot(warden, workflowDeps(warden));
    app.use(messagesRoute(adapter, bot));
  } else {
    warden.log.warn(
      "the Teams bot is off: set MICROSOFT_APP_ID (see docs/deploy.md) to receive and approve incident cards",
    );
  }
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const checks: Record<string, "ok" | string> = {};
    await Promise.all([
      warden.db
        .query("SELECT 1")
        .then(() => {
          checks["database"] = "ok";
        })
        .catch((error: Error) => {
          checks["database"] = `failed: ${error.message}`;
        }),
      warden.queue
        .counts("warden-detect")
        .then(() => {
          checks["queue"] = "ok";
        })
        .catch((error: Error) => {
          checks["queue"] = `failed: ${error.message}`;
        }),
    ]);
    const ready = Object.values(checks).every((c) => c === "ok");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks });
  });
  return app;
}

export function listen(app: express.Express, port: number, host = "0.0.0.0"): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.on("error", reject);
  });
}

import type { Server } from "node:http";
import express from "express";
import type { Warden } from "../app.js";

/**
 * The web process: health and readiness now; the bot's /api/messages, metrics and the console join it
 * in their issues. Readiness says which dependency failed, never with secrets or stack traces.
 */
export function createWebApp(warden: Warden): express.Express {
  const app = express();
  app.disable("x-powered-by");
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

export function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, "0.0.0.0", () => resolve(server));
    server.on("error", reject);
  });
}

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openWarden, startSchedules, startWorker } from "../app.js";
import { LOCAL_TOKEN_HEADER, newLocalModeToken } from "../bot/local-mode-guard.js";
import { authenticationOff } from "../config/bot.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { consoleThroughLogger, createLogger } from "../log.js";
import { createOpsApp, createWebApp, listen } from "../server/web.js";
import type { CommandIo } from "./detect-command.js";

export type Role = "serve" | "worker" | "web";

/**
 * `warden serve` (web and workers in one process), `warden worker` and `warden web`. Runs until SIGTERM
 * or SIGINT, then stops taking jobs, lets running ones finish and closes its connections.
 */
export async function runCommand(role: Role, options: { config?: string }, io: CommandIo): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: io.env, ...(options.config === undefined ? {} : { file: options.config }) });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`warden ${role}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger({ level: config.runtime.logLevel });
  // Every line this process writes is JSON, its libraries' included.
  consoleThroughLogger(log);
  let warden: Awaited<ReturnType<typeof openWarden>>;
  try {
    warden = await openWarden(config, log);
  } catch (error) {
    io.stderr.write(`warden ${role}: ${(error as Error).message}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
  let server: Server | undefined;
  let opsServer: Server | undefined;
  let redeclare: NodeJS.Timeout | undefined;
  if (role !== "web") {
    startWorker(warden);
    await startSchedules(warden);
    // Schedules live in Redis: declared again on a timer (idempotent), so a Redis that restarted empty
    // gets them back, and with them the reconciler that re-queues what the store says is due.
    redeclare = setInterval(() => {
      startSchedules(warden).catch((error: Error) =>
        log.warn({ err: error.message }, "could not declare the schedules; trying again"),
      );
    }, config.runtime.reconcileIntervalMs);
  }
  if (role !== "worker") {
    // A bot without authentication (local mode) is reachable from this machine only, by whoever was
    // shown this run's token: printed here, never logged (logs hold no secrets).
    const unauthenticated = authenticationOff(config.bot);
    const localModeToken = unauthenticated ? newLocalModeToken() : undefined;
    server = await listen(
      createWebApp(warden, localModeToken === undefined ? {} : { localModeToken }),
      config.runtime.port,
      unauthenticated ? "127.0.0.1" : "0.0.0.0",
      config.runtime.http,
    );
    const port = (server.address() as AddressInfo).port;
    if (localModeToken !== undefined) {
      io.stdout.write(
        `local mode, no Bot Framework authentication: send activities to http://127.0.0.1:${port}/api/messages (Host 127.0.0.1:${port} or localhost:${port}, a loopback serviceUrl) with the header\n  ${LOCAL_TOKEN_HEADER}: ${localModeToken}\n(a new token each run; keep it to yourself)\n`,
      );
    }
    log.info({ port }, "web listening");
    const opsPort = config.runtime.ops.webOpsPort;
    if (opsPort !== undefined) {
      // Readiness, metrics and the dashboard on a port that stays inside (the orchestrator's, the scraper's).
      opsServer = await listen(createOpsApp(warden), opsPort, "0.0.0.0", config.runtime.http);
      log.info({ port: (opsServer.address() as AddressInfo).port }, "operations listening");
    }
  } else {
    // A worker answers health, readiness and metrics on a port of its own, for its orchestrator and scraper.
    try {
      server = await listen(
        createOpsApp(warden),
        config.runtime.ops.metricsPort,
        "0.0.0.0",
        config.runtime.http,
      );
    } catch (error) {
      io.stderr.write(
        `warden worker: cannot serve health and metrics on port ${config.runtime.ops.metricsPort} (${(error as Error).message}): set WARDEN_METRICS_PORT to a free port, or 0 for any\n`,
      );
      await warden.close();
      return 1;
    }
    log.info({ port: (server.address() as AddressInfo).port }, "worker health and metrics listening");
  }
  log.info({ role, tenantId: warden.tenantId }, "started");
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal, withinMs: config.runtime.shutdownMs }, "stopping: finishing running jobs");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  clearInterval(redeclare);
  // Orchestrators kill what is still running some seconds after SIGTERM (Container Apps and Kubernetes:
  // 30 s): Warden stops within its own bound first, saying what it left.
  const stopped = await withinMs(config.runtime.shutdownMs, async () => {
    const servers = [server, opsServer].filter((s): s is Server => s !== undefined);
    const closing = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    // Keep-alive connections with no request in flight would hold a server open: closed now.
    for (const s of servers) s.closeIdleConnections();
    await closing;
    await warden.close();
  });
  if (!stopped) {
    server?.closeAllConnections();
    opsServer?.closeAllConnections();
    log.warn(
      { withinMs: config.runtime.shutdownMs },
      "stopped before every running job finished: each goes back to the queue when its lock lapses (WARDEN_JOB_LOCK_SECONDS), and is run again from what the store recorded",
    );
    // What still runs (a request Microsoft never answers) would keep the process alive: it ends here,
    // once the log line is out. An unref'd timer fires only while something else keeps the loop alive.
    setTimeout(() => process.exit(1), 500).unref();
    return 1;
  }
  log.info("stopped");
  return 0;
}

/** Runs `work`, and says whether it ended within `ms` (it goes on in the background if not). */
async function withinMs(ms: number, work: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work().then(() => true as const), bound]);
  } finally {
    clearTimeout(timer);
  }
}

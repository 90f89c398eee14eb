import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createConsoleApp } from "../console/console-app.js";
import { tenantView } from "../console/tenant-view.js";
import { playHeadless } from "../demo/headless.js";
import { openTranscript, type Transcript } from "../demo/transcript.js";
import { DEMO_CHANNEL, DEMO_PEOPLE, type DemoWorld, startDemoWorld } from "../demo/world.js";
import { createLogger } from "../log.js";
import { listen } from "../server/web.js";
import { simTlsFile } from "../sim/cloud/tls.js";
import type { CommandIo } from "./detect-command.js";

export interface DemoOptions {
  headless?: boolean;
  approveAll?: boolean;
  auto?: boolean;
  json?: boolean;
  port?: string;
  playSeconds?: string;
  logFile?: string;
  /** Every message Warden sends or updates, and its answers to clicks, one JSON activity a line. */
  transcript?: string;
}

/**
 * `warden demo`: the whole story without a tenant or Teams. The simulated cloud plays every attack among
 * benign activity; Warden polls it and posts a card per incident to a simulated Teams channel.
 * - By default a SOC console on http://127.0.0.1:PORT shows the channel, the chat and the tenant; a person
 *   approves there, until Ctrl-C.
 * - `--headless --approve-all|--auto --json`: an approver clicks Approve on every card (real signed
 *   invokes) or automatic containment acts; prints one summary and exits 0 only if all were contained.
 * - `--transcript FILE` (either way): every message Warden sent or updated, as the Bot Connector received
 *   it, and each card it answered a click with (src/demo/transcript.ts).
 */
export async function demoCommand(options: DemoOptions, io: CommandIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`warden demo: ${message}\n`);
    return 2;
  };
  const headless = options.headless === true;
  if (headless && (options.approveAll === true) === (options.auto === true))
    return fail("with --headless, choose one of --approve-all and --auto");
  if (!headless && options.approveAll === true)
    return fail("--approve-all is for --headless; in the console, you approve");
  const port = Number(options.port ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return fail(`--port must be a port number (0 to 65535), not "${options.port}"`);
  const playSeconds = Number(options.playSeconds ?? (headless ? "15" : "60"));
  if (!Number.isFinite(playSeconds) || playSeconds < 5 || playSeconds > 3_600)
    return fail(`--play-seconds must be between 5 and 3600, not "${options.playSeconds}"`);
  // The SDKs trust the simulator's throwaway CA only through NODE_EXTRA_CA_CERTS, read at process start:
  // run the demo in a child process that has it, never by turning TLS checks off.
  if (io.env["NODE_EXTRA_CA_CERTS"] !== simTlsFile("ca.crt")) {
    const child = spawn(process.execPath, process.argv.slice(1), {
      env: { ...io.env, NODE_EXTRA_CA_CERTS: simTlsFile("ca.crt") },
      stdio: "inherit",
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    return new Promise((resolve) =>
      child.on("exit", (code) => {
        process.off("SIGINT", forward);
        process.off("SIGTERM", forward);
        resolve(code ?? 1);
      }),
    );
  }
  // Opened before the world starts, so that the first message is in it and a bad path stops nothing.
  let transcript: Transcript | undefined;
  if (options.transcript !== undefined) {
    try {
      transcript = openTranscript(options.transcript);
    } catch (error) {
      return fail(
        `cannot write the transcript to ${options.transcript} (${(error as Error).message}): give --transcript a file in a writable folder`,
      );
    }
  }
  const log = createLogger({
    level: io.env["LOG_LEVEL"] ?? "info",
    destination:
      options.logFile === undefined
        ? new Writable({ write: (_c, _e, done) => done() })
        : createWriteStream(options.logFile, { flags: "a" }),
  });
  try {
    const world = await startDemoWorld({
      playSeconds,
      auto: options.auto === true,
      log,
      env: io.env,
      ...(transcript === undefined ? {} : { transcript }),
    });
    try {
      return headless
        ? await runHeadless(world, options, io)
        : await runConsole(world, port, playSeconds, io);
    } finally {
      await world.close();
      log.flush();
    }
  } finally {
    // After the world has closed: a card updated while it stopped is still written.
    transcript?.close();
  }
}

async function runHeadless(world: DemoWorld, options: DemoOptions, io: CommandIo): Promise<number> {
  const progress = (line: string) => {
    if (options.json !== true || io.stderr.isTTY === true) io.stderr.write(`${line}\n`);
  };
  progress(`warden demo: simulated tenant ${world.day.tenant.id}; the attacks are playing`);
  const summary = await playHeadless(world, { approve: options.approveAll === true, progress });
  io.stdout.write(`${JSON.stringify(summary, null, options.json === true ? undefined : 2)}\n`);
  const wanted = options.auto === true ? "auto-contained" : "contained";
  const ok =
    summary.incidents.length === world.expectedIncidents &&
    summary.incidents.every((i) => i.state === wanted);
  progress(ok ? `warden demo: every incident ${wanted}` : "warden demo: not every incident was contained");
  return ok ? 0 : 1;
}

async function runConsole(
  world: DemoWorld,
  port: number,
  playSeconds: number,
  io: CommandIo,
): Promise<number> {
  let server: Server | undefined;
  const soc = createConsoleApp(
    {
      people: DEMO_PEOPLE,
      channelId: DEMO_CHANNEL,
      sent: () => world.connector.sent,
      tenant: () => tenantView(world.sim.directory, world.warden.config.containment.protected.breakGlassIds),
      send: world.send,
    },
    () => (server?.address() as AddressInfo | null)?.port ?? port,
  );
  // Loopback only: the console acts as an approver of the demo tenant.
  try {
    server = await listen(soc.app, port, "127.0.0.1");
  } catch (error) {
    io.stderr.write(
      `warden demo: cannot open the console on 127.0.0.1:${port} (${(error as Error).message}): pass --port with a free port, or 0 for any\n`,
    );
    return 1;
  }
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/#token=${soc.token}`;
  io.stdout.write(
    [
      `Warden demo: open the SOC console at ${address}`,
      `The attacks play over ${playSeconds} s among benign activity; the cards appear as Warden finds them.`,
      `Warden's own endpoints: ${world.wardenUrl}/healthz, /readyz, /metrics. Ctrl-C stops the demo.`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  io.stdout.write("Warden demo: stopped\n");
  return 0;
}

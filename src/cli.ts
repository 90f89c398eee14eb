import { Command, CommanderError } from "commander";

/**
 * `warden`: the command line. Each command lives in src/cli/ and returns its exit code. A command's module
 * is loaded only when that command runs: `warden detect` needs neither botbuilder nor the Azure SDKs,
 * and loading every command's dependencies cost 1.4 s before any work (1.8 s to print the help).
 */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("warden")
    .description("Protects Microsoft Entra tenants and their Azure subscriptions from takeover")
    .exitOverride()
    // Options after a subcommand belong to it: `sim` and `sim export` both take --scenario.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command("detect")
    .description("Find subscription-takeover attacks in exported Entra and Azure logs")
    .option(
      "-i, --input <path>",
      "file, folder, or - for stdin (JSON, JSON array or JSON lines; gzip accepted)",
    )
    .option("-f, --format <format>", "jsonl (one finding a line, then a summary) or table", "jsonl")
    .option("--since <iso>", "report only findings at or after this time")
    .option("-c, --config <file>", "JSON config file (see docs/detections.md)")
    .option("-t, --tenant <id>", "tenant to file records under when they name none (Graph API exports)")
    .action(async (options) => {
      setExitCode(await (await import("./cli/detect-command.js")).detectCommand(options, io()));
    });
  for (const [role, description] of [
    ["serve", "Run web and workers in one process"],
    ["worker", "Poll, detect and act: run as many as needed against one Redis and database"],
    ["web", "Serve the bot endpoint, health and readiness"],
  ] as const) {
    program
      .command(role)
      .description(description)
      .option(
        "-c, --config <file>",
        "JSON config file for detection settings (the rest comes from the environment)",
      )
      .action(async (options) => {
        setExitCode(await (await import("./cli/run-commands.js")).runCommand(role, options, io()));
      });
  }

  program
    .command("demo")
    .description(
      "The whole story on a laptop: simulated attacks, cards in a simulated Teams channel, containment",
    )
    .option("--headless", "no browser console: play, decide and report")
    .option("--approve-all", "an approver clicks Approve on every card")
    .option("--auto", "automatic containment acts instead of an approver")
    .option("--json", "print the summary as one line of JSON")
    .option("--port <port>", "the console's port on 127.0.0.1 (0: any free port)", "8080")
    .option("--play-seconds <seconds>", "how long the attacks take to play (default 60, headless 15)")
    .option("--log-file <path>", "append Warden's JSON logs to this file (LOG_LEVEL sets the level)")
    .option(
      "--transcript <file>",
      "write every message Warden posts, updates or answers a click with to this file, one JSON activity a line",
    )
    .action(async (options) => {
      setExitCode(await (await import("./cli/demo-command.js")).demoCommand(options, io()));
    });
  program
    .command("inventory")
    .description(
      "List every external account (guest or #EXT# member) that holds an admin role, from the live tenant",
    )
    .option("--format <format>", "table, json or csv", "table")
    .option(
      "--no-sign-ins",
      "leave out last sign-ins: Graph allows 10 reads of them a minute, two minutes for 300 external admins",
    )
    .action(async (options) => {
      setExitCode(await (await import("./cli/inventory-command.js")).inventoryCommand(options, io()));
    });
  program
    .command("posture")
    .description(
      "Check the live tenant for the doors a takeover walks through (MFA, conditional access, transfers, break-glass), each with its fix",
    )
    .option("--format <format>", "table, json or csv", "table")
    .action(async (options) => {
      setExitCode(await (await import("./cli/posture-command.js")).postureCommand(options, io()));
    });
  const sim = program
    .command("sim")
    .description("The simulated Microsoft cloud (https) playing the attack scenarios, until stopped")
    .option("--port <port>", "https port", "8443")
    .option("--scenario <names>", "comma-separated attacks, all, or none", "all")
    .option("--noise <events>", "benign events over the playback", "2000")
    .option("--duration <seconds>", "how long the day takes to play", "60")
    .option("--late-every <n>", "every Nth record becomes readable a minute late", "10")
    .option(
      "--throttle <fraction:seconds[:retry-after]>",
      "answer this fraction of requests 429 for this long (Retry-After seconds, or none)",
    )
    .option(
      "--errors <fraction:seconds[:500|503]>",
      "answer this fraction of requests 500 or 503 for this long",
    )
    .option("--drop <fraction:seconds>", "cut this fraction of connections without an answer for this long")
    .option(
      "--hang <fraction:seconds>",
      "never answer this fraction of requests for this long (client timeouts)",
    )
    .option("--latency <ms>", "add this delay to every answer")
    .enablePositionalOptions()
    .action(async (options) => {
      setExitCode(await (await import("./cli/sim-command.js")).simCommand(options, io()));
    });
  sim
    .command("export")
    .description("Write a simulated tenant day (attacks among benign activity) as exported log files")
    .requiredOption("-o, --out <folder>", "folder to write the files to")
    .option("--shape <family>", "graph, diagnostic, log-analytics or defender", "graph")
    .option("--scenario <names>", "comma-separated attacks, all, or none", "all")
    .option("--noise <events>", "benign events over the day", "2000")
    .option("--seed <n>", "same seed, same tenant and ids", "7")
    .action(async (options) => {
      setExitCode(await (await import("./cli/sim-export-command.js")).simExportCommand(options, io()));
    });
  return program;
}

function io() {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTty: process.stdin.isTTY === true,
    env: process.env,
  };
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is bad usage.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`warden: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

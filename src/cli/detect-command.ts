import { ConfigError, loadConfig } from "../config/index.js";
import { InputError, readInput } from "../detect/input/read-records.js";
import { parseTime } from "../detect/normalise/time.js";
import { type DetectionProgress, runDetection } from "../detect/run-detection.js";
import { formatJsonLines, formatTable } from "./format-findings.js";

export interface DetectOptions {
  input?: string;
  format?: string;
  since?: string;
  config?: string;
  tenant?: string;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTty: boolean;
  env: NodeJS.ProcessEnv;
}

/** Problems listed on stderr before "and N more". */
const PROBLEMS_SHOWN = 20;

/** `warden detect`: exported logs in, findings out. Returns the exit code (0 done, 2 bad usage or input). */
export async function detectCommand(options: DetectOptions, io: CommandIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`warden detect: ${message}\n`);
    return 2;
  };
  const format = options.format ?? "jsonl";
  if (format !== "jsonl" && format !== "table")
    return fail(`--format must be jsonl or table, not "${format}"`);
  let since: number | undefined;
  if (options.since !== undefined) {
    since = parseTime(options.since);
    if (since === undefined)
      return fail(`--since must be an ISO time such as 2026-11-01T00:00:00Z, not "${options.since}"`);
  }
  const input = options.input ?? "-";
  if (input === "-" && io.stdinIsTty)
    return fail("no input: pass --input FILE|FOLDER, or pipe logs in with --input -");

  let config: ReturnType<typeof loadConfig>;
  try {
    const env = options.tenant === undefined ? io.env : { ...io.env, WARDEN_TENANT_ID: options.tenant };
    config = loadConfig({ env, ...(options.config === undefined ? {} : { file: options.config }) });
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }

  const showProgress = io.stderr.isTTY === true;
  let lastProgress = 0;
  const progress = (p: DetectionProgress) => {
    // At most five updates a second: a terminal redraw per record would slow the run itself.
    const now = Date.now();
    if (now - lastProgress < 200) return;
    lastProgress = now;
    io.stderr.write(
      `\r${p.records} records, ${p.events} events, ${p.findings} findings, ${p.skipped} skipped, ${p.ignored} ignored`,
    );
  };
  let report: Awaited<ReturnType<typeof runDetection>>;
  try {
    report = await runDetection(readInput(input), config.detect, {
      ...(since === undefined ? {} : { since }),
      ...(showProgress ? { onProgress: progress, progressEvery: 10_000 } : {}),
    });
  } catch (error) {
    if (error instanceof InputError) return fail(error.message);
    throw error;
  }
  if (showProgress) io.stderr.write("\r\x1b[K");

  io.stdout.write(format === "jsonl" ? formatJsonLines(report) : formatTable(report));
  if (report.counts.records === 0) {
    // Nothing read is not "nothing found": say so, so an empty folder or a wrong path is not taken for a
    // clean tenant.
    io.stderr.write(
      `warden detect: ${input === "-" ? "standard input" : input} holds no records: no files, or only empty ones. Check the --input path.\n`,
    );
  }
  if (report.counts.skipped > 0) {
    io.stderr.write(`warden detect: skipped ${report.counts.skipped} record(s) that could not be read:\n`);
    for (const problem of report.problems.slice(0, PROBLEMS_SHOWN))
      io.stderr.write(`  ${problem.place}: ${problem.reason}\n`);
    const more = report.counts.skipped - Math.min(PROBLEMS_SHOWN, report.problems.length);
    if (more > 0) io.stderr.write(`  ... and ${more} more\n`);
  }
  if (report.counts.ignored > 0) {
    io.stderr.write(`warden detect: ignored ${report.counts.ignored} record(s) that no rule reads:\n`);
    for (const { reason, count } of report.ignoredBecause.slice(0, PROBLEMS_SHOWN))
      io.stderr.write(`  ${count} x ${reason}\n`);
  }
  return 0;
}

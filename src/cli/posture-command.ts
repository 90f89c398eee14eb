import { postureCsv, postureJson, postureTable, summaryLine } from "../posture/format.js";
import { runPosture } from "../posture/run-posture.js";
import type { CommandIo } from "./detect-command.js";
import { liveTenant } from "./live-tenant.js";

/**
 * `warden posture`: the doors a takeover walks through that are open in the live tenant, each with how
 * to close it. Exit 0 whatever it finds (a finding is an answer, not a failure); 1 when the tenant could
 * not be read at all; 2 for bad options or settings.
 */
export async function postureCommand(options: { format?: string }, io: CommandIo): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.stderr.write(`warden posture: ${message}\n`);
    return code;
  };
  const format = options.format ?? "table";
  if (format !== "table" && format !== "json" && format !== "csv")
    return fail(`--format must be table, json or csv, not "${format}"`);
  const tenant = liveTenant(io, "check");
  if ("error" in tenant) return fail(tenant.error);
  const started = Date.now();
  try {
    const report = await runPosture({
      ...tenant,
      breakGlassIds: tenant.config.containment.protected.breakGlassIds,
      staleDays: tenant.config.runtime.posture.staleDays,
      now: Date.now,
    });
    if (io.stderr.isTTY === true) io.stderr.write(`\r\u001b[K`);
    io.stdout.write(
      format === "json" ? postureJson(report) : format === "csv" ? postureCsv(report) : postureTable(report),
    );
    if (format !== "table")
      for (const u of report.summary.unreadable)
        io.stderr.write(
          `warden posture: ${u.partial ? "read only in part" : "not read"}: ${u.check}: ${u.reason}\n`,
        );
    io.stderr.write(
      `warden posture: ${summaryLine(report)} ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return report.summary.checks === report.summary.unreadable.filter((u) => !u.partial).length ? 1 : 0;
  } catch (error) {
    return fail(`could not read the tenant: ${(error as Error).message}`, 1);
  }
}

import { writeTenantDayExport } from "../sim/export/write-tenant-day.js";
import { ATTACKS, type AttackName } from "../sim/scenarios/attacks.js";
import { EXPORT_FAMILIES, type ExportFamily } from "../sim/scenarios/export-shape.js";
import type { CommandIo } from "./detect-command.js";

export interface SimExportOptions {
  out?: string;
  shape?: string;
  noise?: string;
  scenario?: string;
  seed?: string;
}

/** `warden sim export`: a simulated tenant day, attacks included, written as exported log files. */
export async function simExportCommand(options: SimExportOptions, io: CommandIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`warden sim export: ${message}\n`);
    return 2;
  };
  if (options.out === undefined) return fail("--out FOLDER is required");
  const family = (options.shape ?? "graph") as ExportFamily;
  if (!EXPORT_FAMILIES.includes(family)) return fail(`--shape must be one of ${EXPORT_FAMILIES.join(", ")}`);
  const noise = Number(options.noise ?? "2000");
  if (!Number.isInteger(noise) || noise < 0)
    return fail(`--noise must be a whole number of events, not "${options.noise}"`);
  const seed = Number(options.seed ?? "7");
  if (!Number.isInteger(seed)) return fail(`--seed must be a whole number, not "${options.seed}"`);
  const scenario = options.scenario ?? "all";
  let attacks: readonly AttackName[];
  if (scenario === "all") attacks = ATTACKS;
  else if (scenario === "none") attacks = [];
  else {
    const names = scenario.split(",");
    const unknown = names.filter((n) => !ATTACKS.includes(n as AttackName));
    if (unknown.length > 0)
      return fail(`unknown scenario ${unknown.join(", ")}: use ${ATTACKS.join(", ")}, all or none`);
    attacks = names as AttackName[];
  }
  const written = await writeTenantDayExport({ out: options.out, family, noiseEvents: noise, attacks, seed });
  for (const { file, records } of written)
    io.stderr.write(`wrote ${options.out}/${file} (${records} records)\n`);
  return 0;
}

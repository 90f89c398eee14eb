import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { AttackName } from "../scenarios/attacks.js";
import { type ExportFamily, inExportShape } from "../scenarios/export-shape.js";
import type { Stream } from "../scenarios/script.js";
import { tenantDay } from "../scenarios/tenant-day.js";

export interface ExportOptions {
  out: string;
  family: ExportFamily;
  noiseEvents: number;
  attacks: readonly AttackName[];
  seed: number;
}

/**
 * Writes a simulated tenant day as the files an analyst would export: each log in its own file and in a
 * different container, as they come in practice (a Graph `{"value":[...]}` page, JSON lines, gzip).
 * Returns the files written with their record counts.
 */
export async function writeTenantDayExport(
  options: ExportOptions,
): Promise<{ file: string; records: number }[]> {
  const day = tenantDay({ attacks: options.attacks, noiseEvents: options.noiseEvents, seed: options.seed });
  await mkdir(options.out, { recursive: true });
  const byStream = new Map<Stream, Record<string, unknown>[]>();
  for (const record of day.records) {
    const list = byStream.get(record.stream) ?? [];
    list.push(inExportShape(record, options.family, day.tenant.id));
    byStream.set(record.stream, list);
  }
  const written: { file: string; records: number }[] = [];
  const write = async (name: string, content: string | Buffer, records: number) => {
    await writeFile(join(options.out, name), content);
    written.push({ file: name, records });
  };
  const lines = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
  const audits = byStream.get("directoryAudits") ?? [];
  const signIns = byStream.get("signIns") ?? [];
  const risks = byStream.get("riskDetections") ?? [];
  const activity = byStream.get("activity") ?? [];
  const alerts = byStream.get("alerts") ?? [];
  await write("directory-audits.json", `${JSON.stringify({ value: audits }, null, 2)}\n`, audits.length);
  await write("sign-ins.jsonl", lines(signIns), signIns.length);
  await write("risk-detections.json", `${JSON.stringify({ value: risks }, null, 2)}\n`, risks.length);
  await write("activity-log.jsonl.gz", gzipSync(lines(activity)), activity.length);
  // Alerts come from Graph's security API whatever the family: `Get-MgSecurityAlertV2 -All` or the API.
  await write("security-alerts.json", `${JSON.stringify({ value: alerts }, null, 2)}\n`, alerts.length);
  return written;
}

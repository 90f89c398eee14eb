import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { ATTACKS, playAttack } from "../src/sim/scenarios/attacks.js";
import { castOfNoise, playNoise } from "../src/sim/scenarios/noise.js";
import { TenantScript } from "../src/sim/scenarios/script.js";
import { DEMO_TENANT } from "../src/sim/scenarios/tenant-day.js";

/**
 * A generated tenant day as JSON lines on disk, written in chunks so generating a million events needs
 * no more memory than generating ten thousand. Cached under bench/.cache: the generator's version and
 * the size name the file, so a changed generator makes a new one.
 */

const GENERATOR_VERSION = 4;
const CHUNK = 10_000;
const DAY_MINUTES = 24 * 60;

export interface TenantDayFile {
  path: string;
  records: number;
  bytes: number;
}

export async function tenantDayFile(events: number, cacheDir: string): Promise<TenantDayFile> {
  await mkdir(cacheDir, { recursive: true });
  const path = `${cacheDir}/tenant-day-v${GENERATOR_VERSION}-${events}.jsonl`;
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath))
    return JSON.parse(await readFile(metaPath, "utf8")) as TenantDayFile;

  const script = new TenantScript(DEMO_TENANT, Date.UTC(2026, 10, 2), 2026);
  // A mid-sized tenant: 2,000 staff, 150 long-standing guests, 60 subscriptions.
  const cast = castOfNoise(script, 2_000, 150, 60);
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let records = 0;
  let bytes = 0;
  const flush = async () => {
    for (const record of script.drain()) {
      const line = `${JSON.stringify(record.record)}\n`;
      records += 1;
      bytes += Buffer.byteLength(line);
      if (!out.write(line)) await once(out, "drain");
    }
  };
  // Each noise event writes one or two records; stop when the day holds the events asked for.
  const noiseEvents = Math.max(0, events - 200);
  const chunks = Math.ceil(noiseEvents / CHUNK);
  for (let chunk = 0; chunk < chunks && records < events; chunk++) {
    const span = DAY_MINUTES / chunks;
    playNoise(script, cast, Math.min(CHUNK, noiseEvents - chunk * CHUNK), chunk * span, span);
    await flush();
  }
  ATTACKS.forEach((name, index) => {
    playAttack(name, script, 60 + index * 300);
  });
  await flush();
  out.end();
  await once(out, "close");
  renameSync(partial, path);
  const meta: TenantDayFile = { path, records, bytes };
  await writeFile(metaPath, JSON.stringify(meta));
  return meta;
}

/** The first `lines` lines of a file, as its own file: the smaller inputs of the memory benchmark. */
export async function headOf(source: string, lines: number, target: string): Promise<TenantDayFile> {
  if (existsSync(target)) {
    const meta = JSON.parse(await readFile(`${target}.json`, "utf8")) as TenantDayFile;
    return meta;
  }
  const out = createWriteStream(`${target}.partial`);
  let count = 0;
  let bytes = 0;
  for await (const line of createInterface({ input: createReadStream(source) })) {
    if (count >= lines) break;
    const text = `${line}\n`;
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, "drain");
    count += 1;
  }
  out.end();
  await once(out, "close");
  renameSync(`${target}.partial`, target);
  const meta = { path: target, records: count, bytes };
  await writeFile(`${target}.json`, JSON.stringify(meta));
  return meta;
}

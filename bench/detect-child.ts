import { DEFAULT_DETECT_CONFIG } from "../src/detect/detect-config.js";
import { readInput } from "../src/detect/input/read-records.js";
import { runDetection } from "../src/detect/run-detection.js";
import { ATTACKER_RANGE } from "../src/sim/scenarios/attacks.js";

/**
 * One measurement in a fresh process, so peak memory (maxRSS) belongs to this input alone.
 * `mode` parse: read and JSON.parse every record, nothing else (the floor). detect: the whole of
 * `warden detect` minus printing.
 */
const [mode, path] = process.argv.slice(2);
if ((mode !== "parse" && mode !== "detect" && mode !== "memory") || path === undefined) {
  process.stderr.write("usage: detect-child parse|detect|memory FILE\n");
  process.exit(2);
}
const collect = (globalThis as { gc?: () => void }).gc;
if (mode === "memory" && collect === undefined) {
  process.stderr.write("memory mode needs node --expose-gc\n");
  process.exit(2);
}
let liveHeapMiB = 0;

const started = process.hrtime.bigint();
let records = 0;
let events = 0;
let findings = 0;
let incidents = 0;
if (mode === "parse") {
  for await (const item of readInput(path)) if (item.kind === "record") records += 1;
} else {
  // memory: what detection holds, sampled after a full collection every 50,000 records (slow; not timed).
  const sample =
    mode === "memory"
      ? {
          progressEvery: 50_000,
          onProgress: () => {
            collect?.();
            liveHeapMiB = Math.max(liveHeapMiB, process.memoryUsage().heapUsed / 1_048_576);
          },
        }
      : {};
  const report = await runDetection(
    readInput(path),
    { ...DEFAULT_DETECT_CONFIG, riskyIpRanges: [ATTACKER_RANGE] },
    sample,
  );
  records = report.counts.records;
  events = report.counts.events;
  findings = report.counts.findings;
  incidents = report.counts.incidents;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `${JSON.stringify({ mode, records, events, findings, incidents, seconds, liveHeapMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);

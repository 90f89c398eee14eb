import { fileURLToPath } from "node:url";
import { benchDetection } from "./detection.js";
import { benchInventory } from "./inventory.js";
import { benchPipeline } from "./pipeline.js";
import { benchPosture } from "./posture.js";
import { benchRespond } from "./respond.js";

/** `npm run bench`: every benchmark of the project, figures into bench/results.json and docs/performance.md. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  detection: () => benchDetection(root, log),
  pipeline: () => benchPipeline(root, log),
  inventory: () => benchInventory(root, log),
  respond: () => benchRespond(root, log),
  posture: () => benchPosture(root, log),
};
for (const [name, bench] of Object.entries(benches)) {
  if (only !== undefined && only !== name) continue;
  await bench();
}
log("bench: figures written to bench/results.json and docs/performance.md");

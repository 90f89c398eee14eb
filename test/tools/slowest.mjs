// Prints the N slowest test files of the last run (test-results/durations.json), as .ci/run does.
import { readFileSync } from "node:fs";

const count = Number(process.argv[2] ?? 10);
const durations = JSON.parse(readFileSync("test-results/durations.json", "utf8"));
console.log(`slowest ${count} test files (s):`);
for (const [file, seconds] of Object.entries(durations).slice(0, count))
  console.log(`${seconds.toFixed(1).padStart(8)}  ${file}`);

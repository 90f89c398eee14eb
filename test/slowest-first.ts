import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Runs the files that took longest last time first, from test/durations.json (written by
 * `npm run test:durations` from a full run's report). With files side by side, a long file that starts
 * last makes the whole run wait for it alone; a fresh clone (CI) has no Vitest cache to sort by, so the
 * durations travel with the repository. A file the list does not know yet counts as slow: it runs early
 * rather than risk being the one everybody waits for.
 */
export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const durations = readDurations();
    const unknown = Math.max(0, ...Object.values(durations)) / 2;
    const seconds = (file: TestSpecification) =>
      durations[relative(file.project.config.root, file.moduleId)] ?? unknown;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(new URL("./durations.json", import.meta.url), "utf8")) as Record<
      string,
      number
    >;
  } catch {
    return {};
  }
}

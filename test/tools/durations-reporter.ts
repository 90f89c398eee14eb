import { mkdirSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Writes test-results/durations.json: each test file's wall time in seconds, hooks, import and collection
 * included (Vitest's JSON report leaves out beforeAll, where many of these files start their servers).
 * `.ci/run` prints the slowest from it; `npm run test:durations` keeps it as test/durations.json, the
 * order test/slowest-first.ts starts files in.
 */
export default class DurationsReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const durations = modules
      .map((m) => {
        const d = m.diagnostic();
        const ms = d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
        return [relative(m.project.config.root, m.moduleId), Math.round(ms / 100) / 10] as const;
      })
      .sort((a, b) => b[1] - a[1]);
    mkdirSync("test-results", { recursive: true });
    writeFileSync(
      "test-results/durations.json",
      `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`,
    );
  }
}

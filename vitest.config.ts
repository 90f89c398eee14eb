import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { SlowestFirst } from "./test/slowest-first.js";

// Test processes trust the simulator's throwaway CA (sim-tls/README.md). Node reads this variable only
// when a process starts, so it is set here, before Vitest forks its workers. TLS checks stay on.
process.env["NODE_EXTRA_CA_CERTS"] = fileURLToPath(new URL("./sim-tls/ca.crt", import.meta.url));

/**
 * The test layout (docs/architecture.md, "Tests"):
 * - `unit`: no service, no simulator, no child process; `npm run test:unit` runs these alone, in seconds.
 * - `integration`: the real Redis, PostgreSQL, Chromium and the simulated Microsoft cloud. Files run side
 *   by side: each has its own database, queue prefix and servers on free ports, and most of their time is
 *   spent waiting on the simulated cloud and on Warden's own timers, not computing.
 * - `alone`: CPU-bound files (the soak), run after the others with nothing beside them, so that they
 *   neither starve the timing-sensitive files nor get starved by them.
 */
const UNIT = [
  "test/cards/incident-card.test.ts",
  "test/cli/detect-progress.test.ts",
  "test/cloud/rate-limiter.test.ts",
  "test/cli/sim-faults.test.ts",
  "test/config/config.test.ts",
  "test/config/env-example.test.ts",
  "test/detect/attack-scenarios.test.ts",
  "test/detect/detectors.test.ts",
  "test/detect/normalise.test.ts",
  "test/detect/read-input.test.ts",
  "test/jobs/by-name.test.ts",
  "test/respond/auto-policy.test.ts",
  "test/manifest/manifest.test.ts",
  "test/server/flood-guard.test.ts",
  "test/sim/graph-shapes.test.ts",
];
const ALONE = ["test/load/**/*.test.ts"];

/**
 * Integration files at once. Two cores here; four files at a time keeps both busy because the files
 * mostly wait (measured in docs/reliability.md, "Test suite"); five measured no faster (584 s of Vitest
 * against 575 s), each file slower. WARDEN_TEST_WORKERS overrides it.
 */
const WORKERS = Number(process.env["WARDEN_TEST_WORKERS"] ?? 4);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Known-slow files start first (test/durations.json), so that no long file starts last.
    sequence: { sequencer: SlowestFirst },
    // The JSON report lets .ci/run print the plain "N passed, N failed" line CI reads, and the slowest files.
    reporters: [
      "default",
      ["json", { outputFile: "test-results/vitest.json" }],
      "./test/tools/durations-reporter.ts",
    ],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: UNIT, maxWorkers: WORKERS, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: [...UNIT, ...ALONE],
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Test processes trust the simulator's throwaway CA (sim-tls/README.md). Node reads this variable only
// when a process starts, so it is set here, before Vitest forks its workers. TLS checks stay on.
process.env["NODE_EXTRA_CA_CERTS"] = fileURLToPath(new URL("./sim-tls/ca.crt", import.meta.url));

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share one Redis and one Postgres; files isolate by name, not by process count.
    pool: "forks",
    // The JSON report lets .ci/run print the plain "N passed, N failed" line CI reads.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});

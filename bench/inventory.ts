import { AzureRbac } from "../src/cloud/arm-rbac.js";
import { makeCredential } from "../src/cloud/credential.js";
import { GraphDirectory } from "../src/cloud/graph-directory.js";
import { RateLimiter } from "../src/cloud/rate-limiter.js";
import { collectInventory } from "../src/inventory/collect.js";
import { SIM_APP } from "../src/sim/cloud/sim-app.js";
import { startSimCloud } from "../src/sim/cloud/sim-server.js";
import { seedLargeTenant } from "../src/sim/tenant/large-tenant.js";
import { median, recordResults, table } from "./report.js";

const TENANT = "3d9f6c2a-8b1e-4f7a-9c5d-0e2f4a6b8c1d";
const RUNS = 3;

/**
 * The external-admin inventory of a 10,000-guest tenant with 300 privileged externals and 200
 * subscriptions, through the real SDK clients against the simulator: time, and requests against the
 * fewest the APIs allow (counted by the simulator, token requests apart).
 */
export async function benchInventory(root: string, log: (line: string) => void): Promise<void> {
  const sim = await startSimCloud({
    tenantId: TENANT,
    domain: "fabrikam-lab.onmicrosoft.com",
    apps: [{ ...SIM_APP }],
    subscriptions: [],
  });
  try {
    const truth = seedLargeTenant(sim.directory, {
      guests: 10_000,
      privilegedGuests: 300,
      subscriptions: 200,
    });
    const credential = makeCredential(
      { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
      { graph: sim.url, arm: sim.url, authority: sim.url },
    );
    const times: number[] = [];
    let requests = 0;
    let found = 0;
    for (let run = 0; run < RUNS; run++) {
      // A minute apart: Graph's signInActivity window (10 reads a minute) would still hold the last run's.
      if (run > 0) await new Promise((r) => setTimeout(r, 61_000));
      // A fresh client each run: nothing cached between runs, as in a new `warden inventory`.
      const limiter = new RateLimiter();
      const graph = new GraphDirectory(credential, sim.url, TENANT, limiter);
      const rbac = new AzureRbac(credential, sim.url, TENANT, limiter);
      const before = { ...sim.faults.counts.byEndpoint };
      const started = performance.now();
      const { entries } = await collectInventory({
        graph,
        rbac,
        subscriptions: async () => truth.subscriptions,
        now: Date.now,
      });
      times.push(performance.now() - started);
      found = entries.length;
      requests = Object.entries(sim.faults.counts.byEndpoint)
        .filter(([endpoint]) => !endpoint.includes("/oauth2/") && !endpoint.includes("openid-configuration"))
        .reduce((n, [endpoint, count]) => n + count - (before[endpoint] ?? 0), 0);
      log(
        `inventory: run ${run + 1}: ${entries.length} external admins in ${(times.at(-1) ?? 0).toFixed(0)} ms, ${requests} requests`,
      );
    }
    // Two role listings, one role-assignable group, one listing per subscription and the root management
    // group, two non-built-in role definitions, a lookup per 15 principals with privilege (330), risky users,
    // and one read of the audit log for who invited whom.
    const minimum = 2 + 1 + (truth.subscriptions.length + 1) + 2 + Math.ceil(330 / 15) + 1 + 1;
    const ms = median(times);
    const results = {
      guests: 10_000,
      privileged: truth.privileged.size,
      subscriptions: truth.subscriptions.length,
      found,
      medianMs: Math.round(ms),
      requests,
      minimumRequests: minimum,
      ratio: Number((requests / minimum).toFixed(2)),
    };
    await recordResults(
      root,
      "inventory",
      results,
      [
        "### External-admin inventory",
        "",
        `A simulated tenant of 10,000 guests, ${truth.privileged.size} privileged externals (active, eligible and group-held Entra roles; Azure roles at subscription, management group and root; a custom role that can grant access) and ${truth.subscriptions.length} subscriptions, read through the real SDK clients over https on this machine (median of ${RUNS} runs, token requests not counted).`,
        "",
        table(
          ["figure", "value"],
          [
            ["external admins found (all correct, see test/inventory)", found],
            ["time, median", `${(ms / 1000).toFixed(2)} s`],
            ["requests", requests],
            ["fewest possible requests", minimum],
            ["requests / fewest", results.ratio],
          ],
        ),
        "",
        "The floor is one listing per Entra role kind, per role-assignable group and per subscription (ARM has no cross-subscription listing below a management group), one read per role definition that is not a known privileged built-in, and one user read per 15 principals holding privilege (`id in (...)` takes 15), one read of risky users and one of the audit log's invitations. Against Microsoft, Graph's and ARM's own latency adds about the request count times their response time, limited by ARM's 20 reads a second Warden allows itself per subscription.",
      ].join("\n"),
    );
  } finally {
    await sim.close();
  }
}

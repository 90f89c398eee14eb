import { AzureRbac } from "../src/cloud/arm-rbac.js";
import { makeCredential } from "../src/cloud/credential.js";
import { GraphDirectory } from "../src/cloud/graph-directory.js";
import { RateLimiter } from "../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../src/cloud/subscription-policy.js";
import { groupsNamed } from "../src/posture/ca-policy.js";
import { runPosture } from "../src/posture/run-posture.js";
import { SIM_APP } from "../src/sim/cloud/sim-app.js";
import { startSimCloud } from "../src/sim/cloud/sim-server.js";
import { SIM_ENTRA_ROLE } from "../src/sim/tenant/builtin-roles.js";
import { seedLargeTenant } from "../src/sim/tenant/large-tenant.js";
import { median, recordResults, table } from "./report.js";

const TENANT = "6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b";
const RUNS = 2;

/**
 * The posture of the inventory's tenant (10,000 guests, 300 privileged externals, 200 subscriptions) with
 * MFA registrations and conditional access policies, through the real SDK clients against the
 * simulator, within Microsoft's documented limits: time, and requests against the fewest the APIs allow.
 */
export async function benchPosture(root: string, log: (line: string) => void): Promise<void> {
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
    // Two member Global Administrators stand for the tenant's break-glass accounts.
    const breakGlass = [...sim.directory.roleAssignments.values()]
      .filter(
        (a) =>
          a.roleDefinitionId === SIM_ENTRA_ROLE.globalAdministrator &&
          sim.directory.users.get(a.principalId)?.userType === "Member",
      )
      .slice(0, 2)
      .map((a) => a.principalId);
    const credential = makeCredential(
      { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
      { graph: sim.url, arm: sim.url, authority: sim.url },
    );
    const times: number[] = [];
    let requests = 0;
    let findings = 0;
    let withoutMfaFound = 0;
    let unreadable = 0;
    for (let run = 0; run < RUNS; run++) {
      // A fresh client each run, as in a new `warden posture`; a minute apart, as Graph's signInActivity
      // window (10 a minute) would otherwise still hold the previous run's reads.
      if (run > 0) await new Promise((r) => setTimeout(r, 61_000));
      const limiter = new RateLimiter();
      const before = { ...sim.faults.counts.byEndpoint };
      const started = performance.now();
      const report = await runPosture({
        graph: new GraphDirectory(credential, sim.url, TENANT, limiter),
        rbac: new AzureRbac(credential, sim.url, TENANT, limiter),
        policy: new SubscriptionPolicy(credential, sim.url, TENANT, limiter),
        subscriptions: async () => truth.subscriptions,
        breakGlassIds: breakGlass,
        staleDays: 90,
        now: Date.now,
      });
      times.push(performance.now() - started);
      findings = report.findings.length;
      unreadable = report.summary.unreadable.length;
      const found = new Set(
        report.findings.filter((f) => f.check === "admin-without-mfa").map((f) => f.principal?.id),
      );
      withoutMfaFound = truth.posture.withoutMfa.filter((id) => found.has(id)).length;
      if (found.size !== truth.posture.withoutMfa.length || withoutMfaFound !== found.size)
        throw new Error(
          `posture bench: admin-without-mfa found ${[...found]}, truth ${truth.posture.withoutMfa}`,
        );
      requests = Object.entries(sim.faults.counts.byEndpoint)
        .filter(([endpoint]) => !endpoint.includes("/oauth2/") && !endpoint.includes("openid-configuration"))
        .reduce((n, [endpoint, count]) => n + count - (before[endpoint] ?? 0), 0);
      log(
        `posture: run ${run + 1}: ${findings} findings in ${((times.at(-1) ?? 0) / 1000).toFixed(1)} s, ${requests} requests`,
      );
    }
    // The inventory's floor (bench/inventory.ts), plus: one listing of the policies, one listing per group
    // an enabled policy names, the registration report in pages of 999, Security Defaults, the transfer
    // policy. Break-glass accounts are among the privileged, so they cost nothing more.
    const inventoryFloor = 2 + 1 + (truth.subscriptions.length + 1) + 2 + Math.ceil(330 / 15) + 1 + 1;
    const groups = new Set(
      [...sim.directory.caPolicies.values()]
        .filter((p) => p.state === "enabled")
        .flatMap((p) => groupsNamed(p as never)),
    );
    const minimum = inventoryFloor + 1 + groups.size + Math.ceil(sim.directory.users.size / 999) + 1 + 1;
    const ms = median(times);
    const results = {
      users: sim.directory.users.size,
      subscriptions: truth.subscriptions.length,
      findings,
      unreadable,
      medianMs: Math.round(ms),
      requests,
      minimumRequests: minimum,
      ratio: Number((requests / minimum).toFixed(2)),
    };
    await recordResults(
      root,
      "posture",
      results,
      [
        "### Posture",
        "",
        `The inventory's tenant (${sim.directory.users.size} users: 10,000 guests, 300 privileged externals; ${truth.subscriptions.length} subscriptions) with MFA registrations and ${sim.directory.caPolicies.size} conditional access policies, every check read through the real SDK clients over https, within Graph's documented limits (median of ${RUNS} runs, token requests not counted).`,
        "",
        table(
          ["figure", "value"],
          [
            [
              "findings (admin-without-mfa exactly the seed's 5 admins without MFA: the bench fails otherwise)",
              findings,
            ],
            ["checks not read", unreadable],
            ["time, median", `${(ms / 1000).toFixed(1)} s`],
            ["requests", requests],
            ["fewest possible requests", minimum],
            ["requests / fewest", results.ratio],
          ],
        ),
        "",
        "The floor is the inventory's (its reads are shared), plus one listing of the conditional access policies (from Graph beta, which alone returns their continuous access evaluation setting), one listing of each group an enabled policy names, the MFA registration report read whole in pages of 999 (it cannot be filtered by id, and one read per admin would cost 330 requests under the reports' limit of 5 per 10 s), Security Defaults and the transfer policy. The time is Graph's limits more than Warden: the 22 user reads selecting signInActivity are allowed 10 a minute, so two minutes go to them.",
      ].join("\n"),
    );
  } finally {
    await sim.close();
  }
}

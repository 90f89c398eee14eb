import { SIM_APP } from "./cloud/sim-app.js";
import { type SimCloud, type SimCloudOptions, startSimCloud } from "./cloud/sim-server.js";
import type { SimTenant } from "./records/people.js";
import type { ScenarioRecord } from "./scenarios/script.js";
import type { DirectoryEffect } from "./tenant/model.js";
import { seedBaseline } from "./tenant/seed.js";

/** What a simulated cloud is started for: a tenant, the records it will play, and the people it starts with. */
export interface Scenario {
  tenant: Pick<SimTenant, "id"> & Partial<Pick<SimTenant, "domain">>;
  records: readonly ScenarioRecord[];
  /** The tenant before the day starts (a `TenantDay`'s baseline); none when left out. */
  baseline?: readonly DirectoryEffect[];
}

export interface ScenarioSimOptions extends Pick<SimCloudOptions, "port" | "retainLogsMs"> {
  /** Subscriptions listed besides those the records name (a soak's own). */
  extraSubscriptions?: readonly string[];
  /** When the baseline's people were created (default: now). */
  seededAt?: number;
}

/** The subscriptions the records name, each once, in the order they first appear. */
export function subscriptionsOf(records: readonly ScenarioRecord[]): string[] {
  return [...new Set(records.flatMap((r) => (r.subscriptionId === undefined ? [] : [r.subscriptionId])))];
}

/**
 * The simulated Microsoft cloud for a scenario, as the CLI (`warden sim`), the demo, the tests and the
 * benches all start it: the scenario's tenant, Warden's app registration, every subscription its records
 * name (listed as "Contoso Lab 1", "Contoso Lab 2", ...) and its baseline seeded. Playing the records back
 * is the caller's: each plays them at its own pace.
 */
export async function startScenarioSim(
  scenario: Scenario,
  options: ScenarioSimOptions = {},
): Promise<SimCloud> {
  const tenantId = scenario.tenant.id;
  const sim = await startSimCloud({
    tenantId,
    ...(scenario.tenant.domain === undefined ? {} : { domain: scenario.tenant.domain }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.retainLogsMs === undefined ? {} : { retainLogsMs: options.retainLogsMs }),
    apps: [{ ...SIM_APP }],
    subscriptions: [...subscriptionsOf(scenario.records), ...(options.extraSubscriptions ?? [])].map(
      (subscriptionId, i) => ({
        subscriptionId,
        displayName: `Contoso Lab ${i + 1}`,
        tenantId,
        state: "Enabled",
      }),
    ),
  });
  if (scenario.baseline !== undefined)
    seedBaseline(sim.directory, scenario.baseline, options.seededAt ?? Date.now());
  return sim;
}

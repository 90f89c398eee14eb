import { playBack } from "../../src/sim/cloud/playback.js";
import { eventKeyOf, retime } from "../../src/sim/cloud/published-logs.js";
import { SIM_APP } from "../../src/sim/cloud/sim-app.js";
import { type SimCloud, startSimCloud } from "../../src/sim/cloud/sim-server.js";
import { startScenarioSim } from "../../src/sim/scenario-sim.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import type { ScenarioRecord } from "../../src/sim/scenarios/script.js";
import { type TenantDay, tenantDay } from "../../src/sim/scenarios/tenant-day.js";

export { SIM_APP };

export async function simCloud(
  tenantId: string,
  subscriptionIds: string[],
  domain?: string,
): Promise<SimCloud> {
  return startSimCloud({
    tenantId,
    ...(domain === undefined ? {} : { domain }),
    apps: [{ ...SIM_APP }],
    subscriptions: subscriptionIds.map((id, i) => ({
      subscriptionId: id,
      displayName: `Subscription ${i}`,
      tenantId,
      state: "Enabled",
    })),
  });
}

/** Publishes scenario records as they are, readable now. */
export function publishNow(sim: SimCloud, records: readonly ScenarioRecord[], visibleAt = Date.now()): void {
  for (const r of records) {
    sim.logs.publish({
      stream: r.stream,
      time: r.time,
      visibleAt,
      record: retime(r.stream, r.record, r.time),
      ...(r.subscriptionId === undefined ? {} : { subscriptionId: r.subscriptionId }),
      eventKey: eventKeyOf(r.stream, r.record),
    });
  }
}

/** A simulated tenant whose whole scenario day has already happened: state and logs as at its end. */
export async function settledTenant(
  seed: number,
  noiseEvents = 300,
): Promise<{ sim: SimCloud; day: TenantDay }> {
  const day = tenantDay({ attacks: ATTACKS, noiseEvents, seed, nearMisses: false });
  const startAt = Date.now() - 60_000;
  const sim = await startScenarioSim(day, { seededAt: startAt });
  playBack(sim.logs, day.records, { startAt, durationMs: 30_000 }, sim.directory);
  sim.directory.advance();
  return { sim, day };
}

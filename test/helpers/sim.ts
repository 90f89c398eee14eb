import { playBack } from "../../src/sim/cloud/playback.js";
import { eventKeyOf, retime } from "../../src/sim/cloud/published-logs.js";
import { SIM_APP } from "../../src/sim/cloud/sim-app.js";
import { type SimCloud, startSimCloud } from "../../src/sim/cloud/sim-server.js";
import { ATTACKS } from "../../src/sim/scenarios/attacks.js";
import type { ScenarioRecord } from "../../src/sim/scenarios/script.js";
import { type TenantDay, tenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { seedBaseline } from "../../src/sim/tenant/seed.js";

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
  const subscriptions = [
    ...new Set(day.records.flatMap((r) => (r.subscriptionId === undefined ? [] : [r.subscriptionId]))),
  ];
  const sim = await startSimCloud({
    tenantId: day.tenant.id,
    domain: day.tenant.domain,
    apps: [{ ...SIM_APP }],
    subscriptions: subscriptions.map((id, i) => ({
      subscriptionId: id,
      displayName: `Subscription ${i}`,
      tenantId: day.tenant.id,
      state: "Enabled",
    })),
  });
  const startAt = Date.now() - 60_000;
  seedBaseline(sim.directory, day.baseline, startAt);
  playBack(sim.logs, day.records, { startAt, durationMs: 30_000 }, sim.directory);
  sim.directory.advance();
  return { sim, day };
}

import { eventKeyOf, retime } from "../../src/sim/cloud/published-logs.js";
import { SIM_APP } from "../../src/sim/cloud/sim-app.js";
import { type SimCloud, startSimCloud } from "../../src/sim/cloud/sim-server.js";
import type { ScenarioRecord } from "../../src/sim/scenarios/script.js";

export { SIM_APP };

export async function simCloud(tenantId: string, subscriptionIds: string[]): Promise<SimCloud> {
  return startSimCloud({
    tenantId,
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

import type { ApprovalPolicy } from "../config/containment.js";
import type { Queryable } from "../store/database.js";
import { auditTrail, listIncidents, transitionIncident } from "../store/incidents-repo.js";

/**
 * Pending incidents expire when nobody decided within their severity's time: the card then says so and
 * nothing is changed. Returns the incidents that expired in this sweep.
 */
export async function expireStale(
  db: Queryable,
  tenantId: string,
  policy: ApprovalPolicy,
  now: number,
): Promise<string[]> {
  const expired: string[] = [];
  for (const incident of await listIncidents(db, tenantId)) {
    if (incident.state !== "pending") continue;
    const trail = await auditTrail(db, incident.id);
    // Waiting since it last became pending (a grown incident's wait starts again).
    const since = [...trail]
      .reverse()
      .find((e) => e.toState === "pending" && e.action !== "first-approval")?.at;
    if (since === undefined) continue;
    const hours = policy.expireHours[incident.severity];
    if (now - since < hours * 3_600_000) continue;
    const moved = await transitionIncident(
      db,
      incident.id,
      ["pending"],
      "expired",
      { action: "expired", actorName: "expiry", detail: { afterHours: hours } },
      incident.version,
    );
    if (moved !== undefined) expired.push(incident.id);
  }
  return expired;
}

import { reserveAutomatic } from "../store/actions-repo.js";
import { findingsByIds } from "../store/findings-repo.js";
import {
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import { type AutoContainPolicy, decideAuto, judgedForAutomatic } from "./auto-policy.js";
import { type ContainmentDeps, planContainment } from "./containment.js";
import { grewSinceLastDecision } from "./recorded-decision.js";
import type { ActionName } from "./types.js";

/**
 * The incident lifecycle around containment: triage (plan, then contain automatically or ask), approval
 * and denial. Each step is a compare-and-set on the incident's state with its audit row; a caller that
 * loses a race gets told so and changes nothing.
 */

export interface WorkflowDeps extends ContainmentDeps {
  autoPolicy: AutoContainPolicy;
  /** Critical incidents need two different approvers. */
  twoApproversForCritical: boolean;
  now: () => number;
}

const REOPENABLE: readonly IncidentState[] = [
  "contained",
  "auto-contained",
  "partial",
  "failed",
  "denied",
  "expired",
  "reverted",
];

/** Thrown inside the automatic decision's transaction to roll its reservation back. */
const CHANGED_MEANWHILE = new Error("the incident changed while it was triaged");

export type TriageResult =
  | { outcome: "auto"; incident: IncidentRow }
  | { outcome: "pending"; incident: IncidentRow; reason: string }
  | { outcome: "unchanged"; incident: IncidentRow | undefined };

/** Plans a new or grown incident's actions, then contains it automatically or asks for approval. */
export async function triageIncident(deps: WorkflowDeps, incidentId: string): Promise<TriageResult> {
  // Detection may grow the incident while it is being planned: each decision is taken against the version
  // it was planned from, and planned again when that version is gone.
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await triageOnce(deps, incidentId);
    if (result !== "changed-meanwhile") return result;
  }
  return { outcome: "unchanged", incident: await getIncident(deps.db, incidentId) };
}

async function triageOnce(
  deps: WorkflowDeps,
  incidentId: string,
): Promise<TriageResult | "changed-meanwhile"> {
  const incident = await getIncident(deps.db, incidentId);
  if (incident === undefined || incident.state === "merged") return { outcome: "unchanged", incident };
  // An incident already decided on is triaged again only for what detection added since: triage comes
  // from detection (and the runs that follow it), but anyone who can write to the queue can ask for it.
  if (incident.state !== "open" && !(await grewSinceLastDecision(deps.db, incident.id))) {
    return { outcome: "unchanged", incident };
  }
  const actions = await planContainment(deps, incident);
  const waiting = actions.filter((a) => a.state === "planned");
  // A waiting incident is decided again as it grows (its confidence may now meet the automatic policy);
  // one already decided comes back only with undecided actions (planned after its decision).
  if (incident.state !== "open" && incident.state !== "pending" && waiting.length === 0) {
    return { outcome: "unchanged", incident };
  }
  const from: readonly IncidentState[] = incident.state === "open" ? ["open"] : [incident.state];
  if (incident.state !== "open" && !REOPENABLE.includes(incident.state) && incident.state !== "pending") {
    return { outcome: "unchanged", incident };
  }
  const actionNames = waiting.map((a) => a.action as ActionName);
  const judged = judgedForAutomatic(await findingsByIds(deps.db, incident.findingIds));
  let decision = decideAuto(deps.autoPolicy, judged, actionNames, 0);
  if (decision.auto && waiting.length > 0) {
    // The reservation under the circuit breaker and the decision are one transaction: a decision lost to
    // an incident that grew meanwhile (or a crash) leaves no reservation behind to count against the cap.
    const contained = await deps.db
      .transaction(async (tx) => {
        const reservation = await reserveAutomatic(
          tx,
          incident.tenantId,
          waiting.map((a) => a.id),
          deps.autoPolicy.maxActionsPerHour,
          new Date(deps.now() - 3_600_000),
        );
        if (!reservation.reserved) return reservation;
        const moved = await transitionIncident(
          tx,
          incidentId,
          from,
          "executing",
          {
            action: "auto-contain",
            actorName: "automatic containment",
            cardVersion: incident.version,
            detail: { actions: waiting.map((a) => a.id) },
          },
          incident.version,
        );
        if (moved === undefined) throw CHANGED_MEANWHILE;
        return moved;
      })
      .catch((error: unknown) => {
        if (error === CHANGED_MEANWHILE) return "changed-meanwhile" as const;
        throw error;
      });
    if (contained === "changed-meanwhile") return contained;
    if ("id" in contained) return { outcome: "auto", incident: contained };
    // Past the cap, the same decision names the circuit breaker as the reason to wait.
    decision = decideAuto(deps.autoPolicy, judged, actionNames, contained.count);
  }
  const why = decision.auto ? "nothing to contain automatically" : decision.reason;
  const reason = judged.setAside === undefined ? why : `${why} (${judged.setAside})`;
  if (incident.state === "pending") return { outcome: "pending", incident, reason };
  const moved = await transitionIncident(
    deps.db,
    incidentId,
    from,
    "pending",
    {
      action: incident.state === "open" ? "awaiting-approval" : "grew",
      cardVersion: incident.version,
      detail: { reason, actions: waiting.map((a) => a.id) },
    },
    incident.version,
  );
  return moved === undefined ? "changed-meanwhile" : { outcome: "pending", incident: moved, reason };
}

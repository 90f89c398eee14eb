import { reserveAutomatic } from "../store/actions-repo.js";
import {
  getIncident,
  type IncidentRow,
  type IncidentState,
  transitionIncident,
} from "../store/incidents-repo.js";
import { type AutoContainPolicy, breakerAllows } from "./auto-policy.js";
import type { ContainmentDeps } from "./containment.js";
import { decideEachAction, whyAsked } from "./decide-automatic.js";
import { planContainment } from "./plan.js";
import { automaticLeftActionsToAPerson, grewSinceLastDecision } from "./recorded-decision.js";

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

/** Where an automatic run that left actions to a person ends: triage then puts those to one. */
const CONTAINED: readonly IncidentState[] = ["auto-contained", "partial", "failed"];

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
  const grew = incident.state !== "open" && (await grewSinceLastDecision(deps.db, incident.id));
  const leftToAPerson =
    incident.state !== "open" && !grew && CONTAINED.includes(incident.state)
      ? await automaticLeftActionsToAPerson(deps.db, incident.id)
      : undefined;
  if (incident.state !== "open" && !grew && leftToAPerson === undefined) {
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
  const decisions =
    leftToAPerson === undefined
      ? await decideEachAction(deps, incident, waiting)
      : { perAction: new Map(waiting.map((a) => [a.id, { auto: false as const, reason: leftToAPerson }])) };
  const automatic = waiting.filter((a) => decisions.perAction.get(a.id)?.auto === true);
  const asked = waiting.filter((a) => !automatic.includes(a));
  let breaker: string | undefined;
  if (automatic.length > 0) {
    // The reservation under the circuit breaker and the decision are one transaction: a decision lost to
    // an incident that grew meanwhile (or a crash) leaves no reservation behind to count against the cap.
    const contained = await deps.db
      .transaction(async (tx) => {
        const reservation = await reserveAutomatic(
          tx,
          incident.tenantId,
          automatic.map((a) => a.id),
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
            detail: {
              actions: automatic.map((a) => a.id),
              // What the policy left to a person, and why: put to one once these have run.
              ...(asked.length === 0 ? {} : { asked: whyAsked(asked, decisions) }),
            },
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
    // Past the cap, the breaker is the reason every action waits.
    const over = breakerAllows(deps.autoPolicy, contained.count, automatic.length);
    breaker = over.auto ? undefined : over.reason;
  }
  const why =
    breaker ??
    leftToAPerson ??
    (waiting.length === 0 ? "nothing to contain automatically" : whyAsked(asked, decisions));
  const ran = CONTAINED.includes(incident.state) ? "what the automatic policy covers has run; " : "";
  const reason = `${ran}${why}${decisions.setAside === undefined ? "" : ` (${decisions.setAside})`}`;
  if (incident.state === "pending") return { outcome: "pending", incident, reason };
  const moved = await transitionIncident(
    deps.db,
    incidentId,
    from,
    "pending",
    {
      action: grew ? "grew" : "awaiting-approval",
      cardVersion: incident.version,
      detail: { reason, actions: waiting.map((a) => a.id) },
    },
    incident.version,
  );
  return moved === undefined ? "changed-meanwhile" : { outcome: "pending", incident: moved, reason };
}

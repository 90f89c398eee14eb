import type { AzureAssignment, AzureEligibility } from "../cloud/arm-rbac.js";
import { classifyFailure } from "../cloud/errors.js";
import type { Finding } from "../detect/finding.js";
import type { ActionRow } from "../store/actions-repo.js";
import { findingsByIds } from "../store/findings-repo.js";
import type { IncidentRow } from "../store/incidents-repo.js";
import type { AutoContainPolicy } from "./auto-policy.js";
import { type AutoDecision, countedForAutomatic, decideAction } from "./auto-policy.js";
import type { ContainmentDeps } from "./containment.js";
import { proposalOf } from "./plan.js";
import { proposeActions } from "./proposals.js";
import { resolveUser } from "./resolve-user.js";
import { RESPONDERS } from "./responders/index.js";
import {
  CLOCK_SKEW_MS,
  createdDuring,
  incidentStartFor,
  privilegesHeldBefore,
} from "./standing-privileges.js";
import type { ActionName, ActionTarget } from "./types.js";

/** What the automatic decision reads: the store, the live tenant, and the policy. */
export interface AutomaticDeps extends ContainmentDeps {
  autoPolicy: AutoContainPolicy;
}

/**
 * The automatic policy's word on each action waiting in an incident (issue 17, finding 3): judged on the
 * findings that ask for it, and, without a click, touching only what the incident made.
 */

export interface ActionDecisions {
  perAction: Map<string, AutoDecision>;
  setAside?: string;
}

/**
 * The automatic policy's word on each waiting action, judged on the findings that ask for it (never on
 * the incident as a whole). Disabling a user whose privileges predate the incident is left to a person.
 */
export async function decideEachAction(
  deps: AutomaticDeps,
  incident: IncidentRow,
  waiting: readonly ActionRow[],
): Promise<ActionDecisions> {
  const findings = await findingsByIds(deps.db, incident.findingIds);
  const { counted, setAside } = countedForAutomatic(findings);
  const proposals = proposeActions(findings, incident.tenantId);
  const perAction = new Map<string, AutoDecision>();
  for (const row of waiting) {
    const askedBy = proposalOf(incident.id, row, proposals)?.askedBy ?? [];
    const decision = decideAction(deps.autoPolicy, row.action as ActionName, askedBy, counted);
    const check = WITHOUT_A_CLICK[row.action as ActionName];
    const target = row.target as unknown as ActionTarget;
    perAction.set(
      row.id,
      decision.auto && check !== undefined
        ? await check({ deps, row, incident, findings, target })
        : decision,
    );
  }
  return { perAction, ...(setAside === undefined ? {} : { setAside }) };
}

/** One waiting action the policy would run, as the checks below judge it against the live tenant. */
interface Judged {
  deps: AutomaticDeps;
  row: ActionRow;
  incident: IncidentRow;
  findings: readonly Finding[];
  target: ActionTarget;
}

/** A disable runs without a click only on an account that held no privilege before the incident began. */
async function notPrivilegedBefore({ deps, incident, findings, target }: Judged): Promise<AutoDecision> {
  try {
    const held = await privilegesHeldBefore(deps.ctx, target, incident.firstTime, findings);
    return held.length === 0
      ? { auto: true }
      : {
          auto: false,
          reason: `${target.label} held ${held.slice(0, 3).join(", ")}${held.length > 3 ? ` and ${held.length - 3} more` : ""} before this incident began: disabling an admin is a person's decision`,
        };
  } catch (error) {
    // A read Microsoft may answer on the next try (throttled, unavailable) fails the triage, which is
    // retried, and reconcile queues it again: nothing is decided on a guess. A refusal (no permission to
    // read roles) is an answer: deny on doubt, privileges that cannot be read may be standing ones.
    if (classifyFailure(error).transient) throw error;
    return {
      auto: false,
      reason: `${target.label}'s roles could not be read (${error instanceof Error ? error.message : String(error)}): disabling waits for a person`,
    };
  }
}

/**
 * An Azure role removal runs without a click only if every assignment it would delete, and every PIM
 * eligibility it would remove, was made during the incident: an older one with the same role and scope (named by a grant the logs show, or a forged
 * record) is a person's to take back.
 */
async function onlyGrantsOfTheIncident({ deps, row, incident, target }: Judged): Promise<AutoDecision> {
  // Triage's plan, or, when Microsoft could not answer it then, a fresh read (a failure that may pass
  // fails the triage, which is retried).
  const data = (row.plan as { data?: { assignments?: unknown; eligibilities?: unknown } }).data;
  const fresh = async () => (await RESPONDERS["remove-azure-role"].plan(deps.ctx, target)).data;
  const planned = Array.isArray(data?.assignments) ? data : await fresh();
  const assignments = planned?.["assignments"] as AzureAssignment[] | undefined;
  // A plan from before eligibilities were removed names none.
  const eligibilities = (planned?.["eligibilities"] as AzureEligibility[] | undefined) ?? [];
  if (assignments === undefined) {
    return { auto: false, reason: "the assignments it would delete could not be read" };
  }
  const older = [...assignments, ...eligibilities].filter(
    (a) => a.createdOn === undefined || Date.parse(a.createdOn) < incident.firstTime - CLOCK_SKEW_MS,
  );
  return older.length === 0
    ? { auto: true }
    : {
        auto: false,
        reason: `it would remove ${older.length} assignment(s) or PIM eligibility(ies) made before this incident began (${older.map((a) => a.scope).join(", ")}): a person's decision`,
      };
}

/**
 * Entra role assignments carry no creation time in Graph v1.0, so a directory role removal runs without a
 * click only on an account created during the incident: everything it holds is the incident's.
 */
async function onlyAnAccountOfTheIncident({
  deps,
  incident,
  findings,
  target,
}: Judged): Promise<AutoDecision> {
  try {
    const user = await resolveUser(deps.ctx, target);
    return createdDuring(user, incidentStartFor(user, incident.firstTime, findings))
      ? { auto: true }
      : {
          auto: false,
          reason: `${target.label} existed before this incident, and Entra does not say when its roles were given: removing them is a person's decision`,
        };
  } catch (error) {
    if (classifyFailure(error).transient) throw error;
    return { auto: false, reason: `${target.label} could not be read: removing roles waits for a person` };
  }
}

/**
 * What an action the policy would run must also pass to run without a click: a disable touches no one who
 * was privileged before the incident, and a removal takes back only what the incident granted.
 */
const WITHOUT_A_CLICK: Partial<Record<ActionName, (judged: Judged) => Promise<AutoDecision>>> = {
  "disable-account": notPrivilegedBefore,
  "remove-azure-role": onlyGrantsOfTheIncident,
  "remove-directory-role": onlyAnAccountOfTheIncident,
};

/** Why each action left to a person waits, one line per reason. */
export function whyAsked(asked: readonly ActionRow[], decisions: ActionDecisions): string {
  const byReason = new Map<string, string[]>();
  for (const row of asked) {
    const decision = decisions.perAction.get(row.id);
    const reason = decision === undefined || decision.auto ? "not decided" : decision.reason;
    const label = `${row.action} on ${String((row.target as { label?: unknown }).label ?? "?")}`;
    byReason.set(reason, [...(byReason.get(reason) ?? []), label]);
  }
  return [...byReason].map(([reason, labels]) => `${labels.join(", ")}: ${reason}`).join("; ");
}

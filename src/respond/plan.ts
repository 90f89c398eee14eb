import { classifyFailure } from "../cloud/errors.js";
import { type ActionRow, actionsOf, recordPlannedActions } from "../store/actions-repo.js";
import { findingsByIds } from "../store/findings-repo.js";
import type { IncidentRow } from "../store/incidents-repo.js";
import { actionId, type ContainmentDeps, targetOf, userIdOf } from "./containment.js";
import { limitKey, type ProposedAction, proposeActions } from "./proposals.js";
import { RESPONDERS } from "./responders/index.js";
import type { ActionPlan, ActionTarget } from "./types.js";

/**
 * Plans an incident's actions from its findings and records them: each says what it would change in the
 * live tenant, or why it is skipped (a protected principal). Planning twice adds only new actions.
 */
export async function planContainment(deps: ContainmentDeps, incident: IncidentRow): Promise<ActionRow[]> {
  const findings = await findingsByIds(deps.db, incident.findingIds);
  const existing = await actionsOf(deps.db, incident.id);
  const known = new Set(existing.map((a) => a.id));
  const rows = [];
  for (const proposal of proposeActions(findings, incident.tenantId)) {
    const id = actionId(incident.id, proposal.action, proposal.target);
    if (known.has(id)) continue;
    // A user first known by UPN alone, then by id as the incident grew, is one user: an action on them
    // planned under the UPN stands (a second would revoke their sessions twice).
    if (
      existing.some(
        (a) => a.action === proposal.action && sameUser(a, proposal.target) && sameLimit(a, proposal.target),
      )
    )
      continue;
    const base = {
      id,
      tenantId: incident.tenantId,
      incidentId: incident.id,
      action: proposal.action,
      target: proposal.target as unknown as Record<string, unknown>,
    };
    // A protected principal is skipped, checked before reading anything of them and again once the plan
    // has resolved who the target is (a UPN in the log may name a protected account).
    const skipped = (reason: string) => ({
      ...base,
      state: "skipped" as const,
      plan: { changes: [], because: proposal.because },
      outcome: `skipped: ${proposal.target.label} is ${reason}`,
    });
    const verdict = await deps.guard.check(proposal.target);
    if (verdict.protected) {
      rows.push(skipped(verdict.reason));
      continue;
    }
    let plan: ActionPlan;
    try {
      plan = await RESPONDERS[proposal.action].plan(deps.ctx, proposal.target);
    } catch (error) {
      const failure = classifyFailure(error);
      // An account still replicating is readable in seconds: triage waits for it (the job is retried),
      // so the card shows what will really change.
      if (failure.code === "ReplicationLag") throw error;
      // A plan that cannot be read now is planned again at execution; the card says why it is unknown.
      plan = { needed: true, changes: [`(could not be read: ${failure.message})`], data: {} };
    }
    const again =
      userIdOf(plan) === undefined ? verdict : await deps.guard.check(proposal.target, userIdOf(plan));
    if (again.protected) {
      rows.push(skipped(again.reason));
      continue;
    }
    // Growth after a decision: an action the tenant already shows done (the guest's roles in a
    // subscription whose Owner was just taken back) asks nobody for anything.
    if (!plan.needed && incident.state !== "open" && incident.state !== "pending") {
      rows.push({
        ...base,
        state: "skipped" as const,
        plan: { ...plan, because: proposal.because },
        outcome: `nothing to do: ${plan.changes.join("; ")}`,
      });
      continue;
    }
    rows.push({ ...base, state: "planned" as const, plan: { ...plan, because: proposal.because } });
  }
  await recordPlannedActions(deps.db, rows);
  return actionsOf(deps.db, incident.id);
}

/** The proposal a recorded action was planned from: by id, or (a user first known by UPN) by user and limit. */
export function proposalOf(
  incidentId: string,
  row: ActionRow,
  proposals: readonly ProposedAction[],
): ProposedAction | undefined {
  return (
    proposals.find((p) => actionId(incidentId, p.action, p.target) === row.id) ??
    proposals.find((p) => p.action === row.action && sameUser(row, p.target) && sameLimit(row, p.target))
  );
}

/** Whether a recorded action is limited to the same privileges as a proposed one. */
function sameLimit(row: ActionRow, target: ActionTarget): boolean {
  const limit = (t: ActionTarget) => (t.kind === "user" ? limitKey(t.limit) : "");
  return limit(targetOf(row)) === limit(target);
}

/** Whether a recorded action's target is this user, by object id (as targeted or as its plan read it) or UPN. */
function sameUser(row: ActionRow, target: ActionTarget): boolean {
  if (target.kind !== "user" || row.target["kind"] !== "user") return false;
  const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : undefined);
  const ids = new Set([
    lower(row.target["id"]),
    lower(row.plan["data"] && (row.plan["data"] as Record<string, unknown>)["userId"]),
  ]);
  const upn = lower(row.target["userPrincipalName"]);
  return (
    (target.id !== undefined && ids.has(target.id.toLowerCase())) ||
    (target.userPrincipalName !== undefined && upn === target.userPrincipalName.toLowerCase())
  );
}

import type { SimDirectory } from "../sim/tenant/directory.js";
import { actionsOf } from "../store/actions-repo.js";
import { countEvents } from "../store/events-repo.js";
import { auditTrail, listIncidents } from "../store/incidents-repo.js";
import type { Warden } from "../warden.js";
import { DEMO_ANALYST, type DemoWorld } from "./world.js";

const FINAL = ["contained", "auto-contained", "partial", "failed", "denied", "expired", "reverted"];

export type DemoSummary = Awaited<ReturnType<typeof summarise>>;

/** The invoke Teams sends when Approve is clicked on an incident's card, in the version it shows. */
export function approveClick(incident: { id: string; version: number }): Record<string, unknown> {
  return {
    type: "invoke",
    name: "adaptiveCard/action",
    value: {
      action: {
        type: "Action.Execute",
        verb: "approve",
        data: { incidentId: incident.id, version: incident.version },
      },
    },
  };
}

/**
 * The headless demo's decision loop: waits until the attacks have played and every incident is final,
 * clicking Approve on each pending card as the demo analyst when `approve` is set (the same signed invoke
 * Teams sends), then reports every incident and the subjects' final state in the tenant.
 */
export async function playHeadless(
  world: DemoWorld,
  options: { approve: boolean; progress: (line: string) => void; timeoutMs?: number },
): Promise<DemoSummary> {
  const { warden, day, startAt } = world;
  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  const clicked = new Set<string>();
  const settleAfter = startAt + 20_000;
  for (;;) {
    const incidents = (await listIncidents(warden.db, day.tenant.id)).filter((i) => i.state !== "merged");
    const settled =
      Date.now() > settleAfter &&
      incidents.length >= world.expectedIncidents &&
      incidents.every((i) => FINAL.includes(i.state)) &&
      !(await askedOfAnAdministrator(world)) &&
      (await attacksPlayedOut(world));
    if (settled || Date.now() > deadline) break;
    if (options.approve && Date.now() > settleAfter) {
      for (const incident of incidents.filter(
        (i) => i.state === "pending" && !clicked.has(`${i.id}:${i.version}`),
      )) {
        clicked.add(`${incident.id}:${incident.version}`);
        options.progress(`warden demo: approving ${incident.id} (${incident.rules.join(", ")})`);
        await world.send(DEMO_ANALYST, approveClick(incident));
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return summarise(warden, day.tenant.id, world.sim.directory);
}

/** Whether an action still waits for a step a person was asked to take (the demo's administrator takes it). */
async function askedOfAnAdministrator(world: DemoWorld): Promise<boolean> {
  const { rows } = await world.warden.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM actions WHERE tenant_id = $1 AND state IN ('awaiting-admin', 'undo-awaiting-admin')`,
    [world.day.tenant.id],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Whether the attacks have run to their end and Warden has read all of it: the tenant has no effect
 * still to come (the hijacked subscription's transfer completes after its request), each subscription
 * that left has been seen to leave, and detection has read every stored event. Until then an incident
 * may still grow: the summary once reported a takeover contained before its last step had happened.
 */
async function attacksPlayedOut(world: DemoWorld): Promise<boolean> {
  const { sim, day, warden } = world;
  sim.directory.advance();
  if (sim.directory.pendingEffects > 0) return false;
  const present = new Set(sim.directory.subscriptions.map((s) => s.subscriptionId));
  const departed = new Set(
    day.records.flatMap((r) =>
      r.subscriptionId === undefined || present.has(r.subscriptionId) ? [] : [r.subscriptionId],
    ),
  ).size;
  if ((await countEvents(warden.db, day.tenant.id, "observations")) < departed) return false;
  const { rows } = await warden.db.query<{ behind: boolean }>(
    `SELECT coalesce((SELECT max(seq) FROM events WHERE tenant_id = $1), 0)
            > coalesce((SELECT seq FROM detection_cursor WHERE tenant_id = $1), 0) AS behind`,
    [day.tenant.id],
  );
  return rows[0]?.behind === false;
}

async function summarise(warden: Warden, tenantId: string, directory: SimDirectory) {
  const incidents = (await listIncidents(warden.db, tenantId)).filter((i) => i.state !== "merged");
  const subjects = new Set<string>();
  const rows = [];
  for (const incident of incidents) {
    const trail = await auditTrail(warden.db, incident.id);
    const approval = [...trail].reverse().find((e) => e.action === "approved");
    const actions = await actionsOf(warden.db, incident.id);
    const { rows: findings } = await warden.db.query<{ body: unknown }>(
      "SELECT body FROM findings WHERE id = ANY($1::text[])",
      [incident.findingIds],
    );
    const subject = findings
      .map(
        (r) =>
          (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as {
            subject: { type: string; id?: string; userPrincipalName?: string; external?: boolean };
          },
      )
      .map((f) => f.subject)
      .sort((a, b) => Number(b.external === true) - Number(a.external === true))
      .find((s) => s.type === "user");
    if (subject?.id !== undefined) subjects.add(subject.id);
    rows.push({
      id: incident.id,
      rules: incident.rules,
      subject: {
        type: subject?.type ?? "unknown",
        id: subject?.id ?? null,
        userPrincipalName: subject?.userPrincipalName ?? null,
      },
      state: incident.state,
      approvedBy: approval?.actorName ?? null,
      actions: actions.map((a) => ({ action: a.action, outcome: a.state, detail: a.outcome })),
    });
  }
  const tenant = {
    users: Object.fromEntries(
      [...subjects].map((id) => {
        const user = directory.users.get(id);
        return [
          id,
          {
            userPrincipalName: user?.userPrincipalName ?? null,
            accountEnabled: user?.accountEnabled ?? null,
            entraRoles: [...directory.roleAssignments.values()]
              .filter((a) => a.principalId === id)
              .map((a) => a.roleDefinitionId),
            azureRoles: [...directory.azureAssignments.values()]
              .filter((a) => a.principalId === id)
              .map((a) => `${a.roleDefinitionGuid}@${a.scope}`),
          },
        ];
      }),
    ),
    mfaContained:
      [...directory.groups.values()].find((g) => g.mailNickname === "warden-contained-mfa")?.members.size ??
      0,
    transfersBlocked: directory.policy.blockSubscriptionsLeavingTenant,
  };
  return { incidents: rows, tenant };
}

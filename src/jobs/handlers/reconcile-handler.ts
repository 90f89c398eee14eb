import { containDecision } from "../../respond/recorded-decision.js";
import type { Database } from "../../store/database.js";
import { getIncident } from "../../store/incidents-repo.js";
import type { JobContext } from "../by-name.js";
import { checkAdministratorStepsLater, enqueue, JOBS } from "../catalogue.js";
import type { Job, JobQueue } from "../queue/job-queue.js";

const BATCH = 200;

/**
 * `reconcile`: puts back the work the queue should hold for what the store says, in case the queue lost
 * it (Redis restarted without persistence, a job deleted by hand): detection over stored events, triage
 * of incidents still `open` or holding actions nobody decided on, containment of incidents `approved` or `executing` whose trail holds the
 * decision that asked for it (the state alone, which a restored backup or a hand-edited row can set, is
 * not a decision), and cards behind their incident. Every job it adds has the key the normal path uses,
 * so nothing runs twice; containment claims each action under a lease anyway.
 */
export function reconcileHandler(
  db: Database,
  queue: JobQueue,
  tenantId: string,
  /** Queues the incident's card; a no-op without a bot. */
  announce: (incidentId: string) => Promise<void>,
  botConfigured: boolean,
  /** Steps asked of a person are looked for in the tenant again (a lost delayed job must not end the watch). */
  administrator: { adminRecheckMs: number; now: () => number },
) {
  return async (_job: Job, { log }: JobContext): Promise<void> => {
    await enqueue(queue, JOBS.detect, { tenantId });
    const { rows: unfinished } = await db.query<{ id: string; state: string }>(
      `SELECT id, state FROM incidents WHERE tenant_id = $1 AND state IN ('open', 'approved', 'executing')
       ORDER BY created_at LIMIT ${BATCH}`,
      [tenantId],
    );
    for (const { id, state } of unfinished) {
      if (state === "open") {
        await enqueue(queue, JOBS.triage, { tenantId, incidentId: id });
      } else {
        const incident = await getIncident(db, id);
        const check = incident === undefined ? undefined : await containDecision(db, incident);
        if (check?.ok === false) {
          log.warn(
            { security: true, incidentId: id, state, reason: check.reason },
            "not re-queueing containment: the incident's trail holds no decision for it (check who can write to the database)",
          );
          continue;
        }
        await enqueue(queue, JOBS.contain, { incidentId: id });
      }
    }
    // Decided incidents holding actions nobody decided on yet (planned after the decision as the incident
    // grew, or left to a person by the automatic policy): triage puts them to a decision. Triage itself
    // refuses whatever is not due, so queueing it once too often changes nothing.
    const { rows: undecided } = await db.query<{ id: string }>(
      `SELECT DISTINCT i.id, i.created_at FROM incidents i JOIN actions a ON a.incident_id = i.id
       WHERE i.tenant_id = $1 AND a.state = 'planned'
         AND i.state IN ('contained', 'auto-contained', 'partial', 'failed')
       ORDER BY i.created_at LIMIT ${BATCH}`,
      [tenantId],
    );
    for (const { id } of undecided) {
      await enqueue(queue, JOBS.triage, { tenantId, incidentId: id });
    }
    const { rows: asked } = await db.query<{ id: string }>(
      `SELECT DISTINCT i.id, i.created_at FROM incidents i JOIN actions a ON a.incident_id = i.id
       WHERE i.tenant_id = $1 AND a.state IN ('awaiting-admin', 'undo-awaiting-admin')
       ORDER BY i.created_at LIMIT ${BATCH}`,
      [tenantId],
    );
    for (const { id } of asked) {
      const { adminRecheckMs, now } = administrator;
      await checkAdministratorStepsLater(queue, id, adminRecheckMs, now(), 0);
    }
    let behind: { id: string }[] = [];
    if (botConfigured) {
      ({ rows: behind } = await db.query<{ id: string }>(
        `SELECT i.id FROM incidents i LEFT JOIN incident_cards c ON c.incident_id = i.id
         WHERE i.tenant_id = $1 AND i.state <> 'merged' AND (c.card_version IS NULL OR c.card_version < i.version)
         ORDER BY i.created_at LIMIT ${BATCH}`,
        [tenantId],
      ));
      for (const { id } of behind) await announce(id);
    }
    if (unfinished.length + undecided.length + asked.length + behind.length > 0) {
      log.info(
        {
          unfinished: unfinished.length,
          undecided: undecided.length,
          askedOfAdministrator: asked.length,
          cardsBehind: behind.length,
        },
        "reconciled: queued the work the store says is due",
      );
    }
  };
}

import { classifyFailure } from "../../cloud/errors.js";
import type { Logger } from "../../log.js";
import { eventsIngested } from "../../metrics/process-metrics.js";
import type { JobContext } from "../by-name.js";
import { enqueue, JOBS } from "../catalogue.js";
import { type PollDeps, type PollResult, pollSource } from "../pollers/poll-source.js";
import { type PollSource, sourceFromJob } from "../pollers/sources.js";
import { type Job, type JobQueue, PermanentError } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

const TLS_TROUBLE = /endpoints_resolution_error|self.signed|unable to verify|certificate/i;

/** `poll`: reads one source's next window, then asks for detection if anything new came in. */
export function pollHandler(deps: PollDeps, queue: JobQueue) {
  // Sources being polled by this process. A poll still running covers the next scheduled tick: starting
  // another would read the same window again (all of it, before the first watermark exists) and spend
  // the tenant's report quota twice. Across processes, overlap stays correct (events are stored by id,
  // watermarks only move forward), only less economical.
  const running = new Map<string, number>();
  // Sources whose scheduled tick came while they were being polled. The poll running reads only up to
  // when it started; if it read more than one page, the source is busier than its interval and the
  // deferred tick runs as soon as the poll ends: at thousands of events a second a window takes longer
  // than the interval to read, and waiting for the next tick left the source idle for up to an interval
  // each time (docs/reliability.md, Load). A quiet source whose poll only waited (for the report API's
  // limit) waits for its next tick: polling it again at once would spend that limit on its overlap.
  const missed = new Set<string>();
  // A poll still "running" after this long is stuck (requests time out well before): let the next one go.
  const stuckAfterMs = 10 * 60_000;

  return async (job: Job, { log }: JobContext): Promise<void> => {
    const name = String(job.data["source"]);
    const scope = String(job.data["scope"] ?? "");
    const source = sourceFromJob(name, scope);
    if (source === undefined) throw new PermanentError(`unknown poll source ${name}/${scope}`);
    const key = `${name}:${scope}`;
    log = log.child({ source: name, scope });
    const since = running.get(key);
    if (since !== undefined && Date.now() - since < stuckAfterMs) {
      missed.add(key);
      log.debug("poll deferred: this source is being polled; it is read again when that poll ends");
      return;
    }
    if (since !== undefined) {
      log.warn({ runningForMs: Date.now() - since }, "a poll of this source seems stuck: polling it again");
    }
    const started = Date.now();
    running.set(key, started);
    let busy = false;
    try {
      const result = await pollLogged(job, source, name, log);
      busy = result.pages > 1;
      if (result.newEvents > 0) {
        await enqueue(queue, JOBS.detect, { tenantId: deps.tenantId });
      }
    } finally {
      // Only this poll's own mark: a stuck one that ends late must not clear a newer poll's.
      if (running.get(key) === started) {
        running.delete(key);
        if (missed.delete(key) && busy) {
          await queue.add(QUEUE.poll, "poll", job.data, { dedupeKey: `poll-again:${deps.tenantId}:${key}` });
        }
      }
    }
  };

  async function pollLogged(job: Job, source: PollSource, name: string, log: Logger): Promise<PollResult> {
    try {
      const result = await pollSource(deps, source);
      eventsIngested.inc({ source: name }, result.newEvents);
      log.info(result, "polled");
      return result;
    } catch (error) {
      // The queue retries; the log says why each attempt failed, and what to check when it is the usual.
      const message = (error as Error).message;
      const status = classifyFailure(error).status;
      const hint = TLS_TROUBLE.test(message)
        ? "cannot reach the token authority over TLS: check WARDEN_AUTHORITY_URL and the network; for the simulator, start with NODE_EXTRA_CA_CERTS=sim-tls/ca.crt"
        : source.kind === "graph" && source.log === "alerts" && (status === 401 || status === 403)
          ? "reading Microsoft's alerts needs the Graph application permission SecurityAlert.Read.All with admin consent; grant it, or set WARDEN_ALERTS=off"
          : undefined;
      log.warn(
        { attempt: job.attempt, err: message, ...(hint === undefined ? {} : { hint }) },
        "poll failed",
      );
      if (source.kind === "activity" && (status === 401 || status === 403 || status === 404)) {
        // The subscription may have left the directory (ARM: 404 SubscriptionNotFound, or 401
        // InvalidAuthenticationTokenTenant once it is another tenant's; 403 once Warden's role on it is
        // removed): discovery confirms it now, not at its next run, and records the departure. Retrying
        // the same read would only fail again; while the subscription is listed, its schedule keeps
        // polling it from the same watermark.
        await enqueue(queue, JOBS.discoverNow, { tenantId: deps.tenantId });
        throw new PermanentError(`subscription ${source.subscriptionId} refused its log: ${message}`);
      }
      throw error;
    }
  }
}

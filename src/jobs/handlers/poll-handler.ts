import type { Logger } from "../../log.js";
import { type PollDeps, pollSource } from "../pollers/poll-source.js";
import { sourceFromJob } from "../pollers/sources.js";
import { type Job, type JobQueue, PermanentError } from "../queue/job-queue.js";
import { QUEUE } from "../queues.js";

/** `poll`: reads one source's next window, then asks for detection if anything new came in. */
export function pollHandler(deps: PollDeps, queue: JobQueue, log: Logger) {
  return async (job: Job): Promise<void> => {
    const source = sourceFromJob(String(job.data["source"]), String(job.data["scope"] ?? ""));
    if (source === undefined)
      throw new PermanentError(
        `unknown poll source ${String(job.data["source"])}/${String(job.data["scope"])}`,
      );
    let result: Awaited<ReturnType<typeof pollSource>>;
    try {
      result = await pollSource(deps, source);
    } catch (error) {
      // The queue retries; the log says why each attempt failed, and what to check when it is the usual.
      const message = (error as Error).message;
      const hint = /endpoints_resolution_error|self.signed|unable to verify|certificate/i.test(message)
        ? "cannot reach the token authority over TLS: check WARDEN_AUTHORITY_URL and the network; for the simulator, start with NODE_EXTRA_CA_CERTS=sim-tls/ca.crt"
        : undefined;
      log.warn(
        {
          tenantId: deps.tenantId,
          jobId: job.id,
          attempt: job.attempt,
          source: job.data["source"],
          scope: job.data["scope"],
          err: message,
          ...(hint === undefined ? {} : { hint }),
        },
        "poll failed",
      );
      throw error;
    }
    log.info(
      {
        tenantId: deps.tenantId,
        jobId: job.id,
        source: job.data["source"],
        scope: job.data["scope"],
        ...result,
      },
      "polled",
    );
    if (result.newEvents > 0) {
      await queue.add(
        QUEUE.detect,
        "detect",
        { tenantId: deps.tenantId },
        { dedupeKey: `detect:${deps.tenantId}` },
      );
    }
  };
}

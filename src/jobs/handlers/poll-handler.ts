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
    const result = await pollSource(deps, source);
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

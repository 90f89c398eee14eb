import type { BatchAnswer, BatchStep } from "../cloud/graph-batch.js";
import type { RespondContext } from "./types.js";

/** A step of a batch that Graph refused: carries Graph's status and code, so it is classified like any call. */
export class BatchStepError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/**
 * Runs writes in `$batch` and returns their request ids. A step answered with one of `tolerated` (say
 * 404 for a delete of what is already gone) counts as done: that is what makes re-running idempotent.
 */
export async function batchWrites(
  ctx: RespondContext,
  steps: readonly BatchStep[],
  tolerated: (step: BatchStep, answer: BatchAnswer) => boolean = () => false,
): Promise<string[]> {
  if (steps.length === 0) return [];
  const answers = await ctx.graph.batch(steps);
  const requestIds: string[] = [];
  for (const step of steps) {
    const answer = answers.get(step.id);
    if (answer === undefined)
      throw new BatchStepError(502, "BatchAnswerMissing", `no answer for ${step.method} ${step.url}`);
    const requestId = answer.requestId;
    if (requestId !== undefined) requestIds.push(requestId);
    if (answer.status >= 400 && !tolerated(step, answer)) {
      const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new BatchStepError(
        answer.status,
        error?.code ?? `HTTP${answer.status}`,
        `${step.method} ${step.url}: ${error?.message ?? `status ${answer.status}`}`,
        requestId,
      );
    }
  }
  return requestIds;
}

import type { Client } from "@microsoft/microsoft-graph-client";
import { graphLimitFor } from "./limited-transport.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface BatchStep {
  id: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Relative to the version: `/users/{id}`. */
  url: string;
  body?: unknown;
  dependsOn?: string[];
}

export interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_STEPS = 20;
const RETRYABLE = new Set([429, 503, 504]);
const MAX_ROUNDS = 5;

/**
 * Graph JSON batching with the retries the SDK does not do: the SDK retries a throttled batch as a whole,
 * but not the throttled steps inside an answered one. Steps go 20 to a request; steps answered 429, 503 or
 * 504 (and steps that failed only because such a step failed: 424) go again after the longest Retry-After
 * among them, or an exponential backoff with jitter. Every step also waits for its own rate limit.
 */
export async function runBatch(
  client: Client,
  limiter: RateLimiter,
  tenantId: string,
  steps: readonly BatchStep[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<Map<string, BatchAnswer>> {
  const answers = new Map<string, BatchAnswer>();
  let pending = [...steps];
  for (let round = 0; pending.length > 0; round++) {
    const retry: BatchStep[] = [];
    let waitMs = 0;
    for (let i = 0; i < pending.length; i += MAX_STEPS) {
      const chunk = pending.slice(i, i + MAX_STEPS);
      const inChunk = new Set(chunk.map((s) => s.id));
      for (const step of chunk) {
        const { name, limit } = graphLimitFor(step.url);
        await limiter.take(`${name}:${tenantId}`, limit);
      }
      const requests = chunk.map((step) => {
        // A dependency answered in an earlier request or round is done: Graph only orders within one batch.
        const dependsOn = (step.dependsOn ?? []).filter((d) => inChunk.has(d));
        return {
          id: step.id,
          method: step.method,
          url: step.url,
          ...(step.body === undefined
            ? {}
            : { body: step.body, headers: { "Content-Type": "application/json" } }),
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
        };
      });
      const result = (await client.api("/$batch").post({ requests })) as { responses?: BatchAnswer[] };
      for (const answer of result.responses ?? []) {
        const step = chunk.find((s) => s.id === answer.id);
        if (step === undefined) continue;
        const again = RETRYABLE.has(answer.status) || answer.status === 424;
        if (again && round + 1 < MAX_ROUNDS) {
          retry.push(step);
          const retryAfter = Number(answer.headers?.["Retry-After"] ?? answer.headers?.["retry-after"]);
          if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = Math.max(waitMs, retryAfter * 1_000);
        } else {
          answers.set(answer.id, { ...answer, headers: answer.headers ?? {} });
        }
      }
    }
    pending = retry;
    if (pending.length > 0) {
      const backoff = 2 ** round * 500 + Math.random() * 500;
      await sleep(Math.max(waitMs, backoff));
    }
  }
  return answers;
}

import { type Client, GraphError, ResponseType } from "@microsoft/microsoft-graph-client";
import { graphLimitsFor } from "./limited-transport.js";
import type { RateLimiter, Release } from "./rate-limiter.js";

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
  /**
   * The id Microsoft support asks for. A step's answer carries no request-id header of its own (Graph,
   * "Combine multiple HTTP requests using JSON batching"): it is the error body's innerError for a
   * refused step, else the id of the `$batch` request that carried it.
   */
  requestId?: string;
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
    for (const chunk of chunksWithinLimits(pending)) {
      for (const answer of await sendWithinLimits(client, limiter, tenantId, chunk)) {
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

/**
 * Sends one `$batch` request. Each step holds its own limit's slot until the batch is answered: Graph
 * counts the steps, at their arrival, against the limits of the APIs they call.
 */
async function sendWithinLimits(
  client: Client,
  limiter: RateLimiter,
  tenantId: string,
  chunk: readonly BatchStep[],
): Promise<BatchAnswer[]> {
  const inChunk = new Set(chunk.map((s) => s.id));
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
  const releases: Release[] = [];
  try {
    // Taken in one order of limits everywhere, so two batches never each hold what the other waits for.
    const limits = chunk
      .flatMap((step) => graphLimitsFor(step.url))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const { name, limit } of limits) releases.push(await limiter.take(`${name}:${tenantId}`, limit));
    // Raw, to read the batch's own request-id, which is the only id a successful step has.
    const response = (await client
      .api("/$batch")
      .responseType(ResponseType.RAW)
      .post({ requests })) as Response;
    const text = await response.text();
    const batchId = response.headers.get("request-id") ?? undefined;
    // A gateway's 502 or 504 may answer in HTML: the status, not the body, is what classifies it.
    if (!response.ok) throw batchRefused(response, parsedOrUndefined(text)?.error, batchId);
    const body = (text === "" ? {} : JSON.parse(text)) as { responses?: BatchAnswer[] };
    return (body.responses ?? []).map((answer) => {
      const id = answer.headers?.["request-id"] ?? innerRequestId(answer.body) ?? batchId;
      return { ...answer, ...(id === undefined ? {} : { requestId: id }) };
    });
  } finally {
    for (const release of releases) release();
  }
}

interface GraphErrorBody {
  code?: string;
  message?: string;
  innerError?: { "request-id"?: string };
}

function parsedOrUndefined(text: string): { error?: GraphErrorBody } | undefined {
  try {
    return JSON.parse(text) as { error?: GraphErrorBody };
  } catch {
    return undefined;
  }
}

/** The request id in a refused step's error body (`error.innerError["request-id"]`). */
function innerRequestId(body: unknown): string | undefined {
  const id = (body as { error?: GraphErrorBody } | undefined)?.error?.innerError?.["request-id"];
  return typeof id === "string" ? id : undefined;
}

/** The whole batch refused: the error the SDK would have thrown had the answer not been read raw. */
function batchRefused(response: Response, error: GraphErrorBody | undefined, requestId?: string): GraphError {
  const refused = new GraphError(response.status, error?.message ?? `$batch answered ${response.status}`);
  refused.code = error?.code ?? null;
  refused.requestId = requestId ?? null;
  refused.headers = response.headers;
  return refused;
}

/**
 * Splits steps into requests of at most 20 steps, with no more steps under one rate limit than that limit
 * allows at once (one conditional access write a request, at 1 a second): the steps of one request arrive
 * together. A step whose dependency went to a later request goes with it, so the order holds.
 */
export function chunksWithinLimits(steps: readonly BatchStep[]): BatchStep[][] {
  const chunks: BatchStep[][] = [];
  let remaining = [...steps];
  while (remaining.length > 0) {
    const chunk: BatchStep[] = [];
    const deferred: BatchStep[] = [];
    const deferredIds = new Set<string>();
    const perLimit = new Map<string, number>();
    for (const step of remaining) {
      const limits = graphLimitsFor(step.url);
      const fits =
        chunk.length < MAX_STEPS &&
        limits.every(({ name, limit }) => (perLimit.get(name) ?? 0) < limit.requests) &&
        !(step.dependsOn ?? []).some((d) => deferredIds.has(d));
      if (fits) {
        chunk.push(step);
        for (const { name } of limits) perLimit.set(name, (perLimit.get(name) ?? 0) + 1);
      } else {
        deferred.push(step);
        deferredIds.add(step.id);
      }
    }
    chunks.push(chunk);
    remaining = deferred;
  }
  return chunks;
}

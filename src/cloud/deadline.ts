import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

/**
 * A signal that aborts after `ms` (or with `signal`), on a timer that does not keep the process alive:
 * a worker told to stop exits once its work is done, not when its last requests' deadlines pass.
 * Not AbortSignal.timeout: fetch listens on its signal and never lets go, and a timer with a listener
 * keeps the process alive (a worker waited 94 s after SIGTERM in the PostgreSQL restart test).
 */
export function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const deadline = new AbortController();
  setTimeout(() => deadline.abort(new DOMException("The request timed out.", "TimeoutError")), ms).unref();
  return signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
}

/** The signal each request came with from its caller, before any attempt's deadline was put on it. */
const callersSignal = new WeakMap<PipelineRequest, AbortSignal | undefined>();

/**
 * Gives one attempt of an Azure SDK request its own deadline. The SDKs send the same request object
 * again on a retry: wrapping the signal it carries would wrap the last attempt's deadline too, and a
 * retry sent after a Retry-After wait would be cut short by a timer started before it (or be aborted at
 * once). Each attempt's deadline wraps only the caller's own signal. Only where the request sets no
 * timeout of its own: the SDK's HTTP client clears its timeout timer only when an answer comes, so every
 * failed attempt left one running that kept a stopping worker alive for up to two minutes.
 */
export function deadlineForAttempt(request: PipelineRequest, ms: number): void {
  if (request.timeout !== 0) return;
  if (!callersSignal.has(request)) callersSignal.set(request, request.abortSignal as AbortSignal | undefined);
  request.abortSignal = withDeadline(callersSignal.get(request), ms);
}

/**
 * An Azure SDK pipeline policy, to be added "perRetry", that puts a deadline on every attempt. For the
 * token requests of @azure/identity, which have none: a token endpoint that never answered left every
 * call waiting on that token hanging for as long as the connection stayed open (test/cloud/failures).
 */
export function attemptDeadlinePolicy(ms: number): PipelinePolicy {
  return {
    name: "wardenAttemptDeadline",
    sendRequest(request, next) {
      deadlineForAttempt(request, ms);
      return next(request);
    },
  };
}

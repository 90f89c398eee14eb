/**
 * What a failed Graph or ARM call means for the caller: transient (throttled, unavailable, cut off: try
 * again later) or permanent (denied, missing, invalid: trying again changes nothing, a person must act).
 */
export interface CloudFailure {
  transient: boolean;
  status: number | undefined;
  code: string;
  message: string;
  /** Graph's request-id or ARM's x-ms-request-id, for Microsoft support. */
  requestId?: string;
}

const TRANSIENT_STATUS = new Set([408, 409, 412, 429, 500, 502, 503, 504]);
/**
 * No HTTP answer at all: the connection was cut, refused or timed out (our own per-attempt deadline
 * aborts the request: "AbortError"/"TimeoutError", "The operation was aborted"). MSAL reports an
 * authority that did not answer its metadata request as `endpoints_resolution_error`, whatever the cause:
 * the same when the authority is misconfigured, which every poll then reports (and /readyz names).
 */
const TRANSIENT_NETWORK =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR|socket hang up|other side closed|network|fetch failed|terminated|abort|timed? ?out|REQUEST_SEND_ERROR|endpoints_resolution_error/i;

/**
 * An object Warden created moments ago answered as missing: Entra is eventually consistent, and the
 * replica that answered has not got it yet ("Designing for eventual consistency for Microsoft Entra").
 * Transient: the same request succeeds a few seconds later.
 */
export class ReplicationLag extends Error {
  override readonly name = "ReplicationLag";
}

/**
 * How long after an object appeared a "not there" is taken for Entra's replication lag rather than a
 * deletion ("Designing for eventual consistency for Microsoft Entra": seconds, rarely more).
 */
export const REPLICATION_GRACE_MS = 2 * 60_000;

export function classifyFailure(error: unknown): CloudFailure {
  if (error instanceof ReplicationLag)
    return { transient: true, status: undefined, code: "ReplicationLag", message: error.message };
  const e = error as {
    statusCode?: number;
    status?: number;
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: unknown; message?: unknown };
    requestId?: string;
    body?: unknown;
    response?: { headers?: { get?(name: string): string | undefined } };
  };
  const raw =
    typeof e?.statusCode === "number" ? e.statusCode : typeof e?.status === "number" ? e.status : undefined;
  // The Graph SDK reports "no answer" as statusCode -1 (with an empty message and the cause in `body`):
  // only a real HTTP status is one.
  const status = raw !== undefined && raw >= 100 ? raw : undefined;
  const body = typeof e?.body === "string" ? e.body : "";
  const cause =
    e?.cause === undefined ? "" : `${String(e.cause.code ?? "")} ${String(e.cause.message ?? "")}`;
  const message =
    typeof e?.message === "string" && e.message !== ""
      ? e.message
      : body !== ""
        ? body
        : error instanceof Error
          ? error.name
          : String(error);
  const code =
    typeof e?.code === "string" && e.code !== ""
      ? e.code
      : status === undefined
        ? "NetworkError"
        : `HTTP${status}`;
  // ARM's 409 for an existing assignment is not transient; only a conflict on a busy resource is.
  const transient =
    status === undefined
      ? [message, code, body, cause, String(e?.name ?? "")].some((text) => TRANSIENT_NETWORK.test(text))
      : TRANSIENT_STATUS.has(status) && !(status === 409 && /Exists/i.test(code));
  const requestId =
    typeof e?.requestId === "string" ? e.requestId : e?.response?.headers?.get?.("x-ms-request-id");
  return { transient, status, code, message, ...(requestId === undefined ? {} : { requestId }) };
}

/** What a permanent failure asks of the operator, in words for the card and the log. */
export function remedyFor(failure: CloudFailure, permission: string): string {
  if (failure.status === 401 || failure.status === 403) {
    return `Warden's app was refused (${failure.code}): grant it ${permission}, and for privileged targets a role that may manage them.`;
  }
  if (failure.status === 404)
    return `Not found (${failure.code}): the object no longer exists or was never there.`;
  if (failure.status === 400) return `Refused as invalid (${failure.code}): ${failure.message}`;
  return `${failure.code}: ${failure.message}`;
}

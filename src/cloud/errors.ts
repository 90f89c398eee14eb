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
const TRANSIENT_NETWORK =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|network|fetch failed|terminated/i;

export function classifyFailure(error: unknown): CloudFailure {
  const e = error as {
    statusCode?: number;
    status?: number;
    code?: string;
    message?: string;
    requestId?: string;
    body?: unknown;
    response?: { headers?: { get?(name: string): string | undefined } };
  };
  const status =
    typeof e?.statusCode === "number" ? e.statusCode : typeof e?.status === "number" ? e.status : undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  const code = typeof e?.code === "string" ? e.code : status === undefined ? "NetworkError" : `HTTP${status}`;
  // ARM's 409 for an existing assignment is not transient; only a conflict on a busy resource is.
  const transient =
    status === undefined
      ? TRANSIENT_NETWORK.test(message) || TRANSIENT_NETWORK.test(code)
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

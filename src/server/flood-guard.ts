import type { Request, RequestHandler, Response } from "express";

export interface FloodGuardOptions {
  /** Unauthenticated refusals (any 4xx before a request was authenticated) one client may cause in a window. */
  refusalsPerWindow: number;
  windowMs: number;
  /** Requests this route handles at once; more are answered 503 without being read. */
  maxInFlight: number;
  /**
   * Requests one client may have in progress at once; more are answered 429 without being read, so one
   * address holding slow requests open cannot take every slot of `maxInFlight`. Teams reaches the bot
   * from a few Microsoft addresses, so this leaves it room for bursts: half the route's cap by default.
   */
  maxInFlightPerClient: number;
  /** Clients remembered at once: an address flood cannot grow the table without bound. */
  maxClients: number;
  now?: () => number;
  /** Told once per client and window when that client is first answered 429. */
  onLimited?: (client: string, refusals: number) => void;
}

export const DEFAULT_FLOOD_GUARD: FloodGuardOptions = {
  refusalsPerWindow: 30,
  windowMs: 60_000,
  maxInFlight: 64,
  maxInFlightPerClient: 32,
  maxClients: 10_000,
};

/** Set by the route once the request's authentication passed: its refusals are the bot's answers, not a flood's. */
export const AUTHENTICATED = "wardenAuthenticated";

interface Window {
  start: number;
  refusals: number;
  told: boolean;
}

/**
 * In front of a route that authenticates each request (`/api/messages`): a client whose requests keep
 * failing authentication is answered 429, with Retry-After, before its body is read or its token checked;
 * a client with `maxInFlightPerClient` requests in progress is answered 429 (Retry-After 1); and past
 * `maxInFlight` requests at once, the rest are answered 503 (Retry-After 1) before being read.
 * Only unauthenticated refusals count, so Teams' own traffic, which authenticates, is never limited by
 * another client's flood unless both reach Warden from one address: behind a reverse proxy, set
 * WARDEN_TRUST_PROXY so the client is the address the proxy saw (docs/deploy.md).
 */
export function floodGuard(options: FloodGuardOptions = DEFAULT_FLOOD_GUARD): RequestHandler {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  let inFlight = 0;
  /** Requests in progress per client; a client leaves the map when its last one ends (at most maxInFlight). */
  const inFlightOf = new Map<string, number>();

  const current = (client: string, at: number): Window | undefined => {
    const window = windows.get(client);
    if (window === undefined || at - window.start >= options.windowMs) return undefined;
    return window;
  };

  const remember = (client: string, at: number): void => {
    const window = current(client, at);
    if (window !== undefined) {
      window.refusals += 1;
      return;
    }
    windows.delete(client);
    if (windows.size >= options.maxClients) {
      for (const [key, old] of windows) if (at - old.start >= options.windowMs) windows.delete(key);
      // Still full of live windows: forget the oldest (insertion order) rather than grow.
      const oldest = windows.keys().next();
      if (windows.size >= options.maxClients && oldest.done !== true) windows.delete(oldest.value);
    }
    windows.set(client, { start: at, refusals: 1, told: false });
  };

  return (req: Request, res: Response, next) => {
    const client = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const at = now();
    const window = current(client, at);
    if (window !== undefined && window.refusals >= options.refusalsPerWindow) {
      if (!window.told) {
        window.told = true;
        options.onLimited?.(client, window.refusals);
      }
      const retryAfter = Math.max(1, Math.ceil((window.start + options.windowMs - at) / 1_000));
      res
        .status(429)
        .set("Retry-After", String(retryAfter))
        .json({ error: `too many unauthenticated requests from this address; retry after ${retryAfter} s` });
      return;
    }
    if (inFlight >= options.maxInFlight) {
      res.status(503).set("Retry-After", "1").json({ error: "busy; retry after 1 s" });
      return;
    }
    const mine = inFlightOf.get(client) ?? 0;
    if (mine >= options.maxInFlightPerClient) {
      res
        .status(429)
        .set("Retry-After", "1")
        .json({ error: `${mine} requests from this address are in progress; retry after 1 s` });
      return;
    }
    inFlight += 1;
    inFlightOf.set(client, mine + 1);
    res.once("close", () => {
      inFlight -= 1;
      const left = (inFlightOf.get(client) ?? 1) - 1;
      if (left <= 0) inFlightOf.delete(client);
      else inFlightOf.set(client, left);
      const refused = res.statusCode >= 400 && res.statusCode < 500;
      if (refused && res.locals[AUTHENTICATED] !== true) remember(client, now());
    });
    next();
  };
}

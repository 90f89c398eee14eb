import { randomBytes, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

/**
 * What stands in for Bot Framework authentication in local mode (WARDEN_BOT_LOCAL_MODE without an app
 * id), where the web process listens on 127.0.0.1 only. Listening on loopback is not enough: a page
 * anywhere in the analyst's browser can rebind its own name to 127.0.0.1 and post to the bot (issue 17,
 * finding 9), and the bot answers at whatever `serviceUrl` the activity names. So a request must name a
 * loopback Host with this server's port, carry the per-run token `warden web` printed at start, and
 * name a loopback `serviceUrl`.
 */

/** The header that carries the per-run token (a custom header: a cross-site page cannot send it unasked). */
export const LOCAL_TOKEN_HEADER = "X-Warden-Local-Token";

/** A fresh per-run token: 24 random bytes, URL-safe. */
export function newLocalModeToken(): string {
  return randomBytes(24).toString("base64url");
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** Whether a Host header names this machine by a loopback name, with the port the request came to. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host !== undefined && LOOPBACK_NAMES.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/**
 * Whether a serviceUrl is http(s) on a loopback name. The text itself must read so, not only its parsed
 * form: `http://127.0.0.1@attacker.example/` parses to attacker.example, and a client that parses
 * differently from this check must have nothing to disagree about.
 */
export function isLoopbackServiceUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const match = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?(\/[^\\@]*)?$/i.exec(value);
  if (match === null) return false;
  try {
    return LOOPBACK_NAMES.includes(new URL(value).hostname.toLowerCase());
  } catch {
    return false;
  }
}

function sameToken(given: string, expected: Buffer): boolean {
  const a = Buffer.from(given);
  return a.length === expected.length && timingSafeEqual(a, expected);
}

/** Checks made before the body is read: the Host (no DNS rebinding) and the per-run token. */
export function localCallerOnly(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, res, next) => {
    if (!isLoopbackHost(req.headers.host, req.socket.localPort ?? 0)) {
      res.status(421).json({
        error: `local mode answers requests to 127.0.0.1, localhost or [::1] with port ${req.socket.localPort} only`,
      });
      return;
    }
    if (!sameToken(String(req.headers[LOCAL_TOKEN_HEADER.toLowerCase()] ?? ""), expected)) {
      res.status(401).json({
        error: `local mode needs the token \`warden web\` printed at start, in the ${LOCAL_TOKEN_HEADER} header`,
      });
      return;
    }
    next();
  };
}

/** Checked once the body is read: the bot answers at the activity's serviceUrl, so it must be loopback. */
export const loopbackServiceUrlOnly: RequestHandler = (req, res, next) => {
  const serviceUrl = (req.body as { serviceUrl?: unknown } | undefined)?.serviceUrl;
  if (!isLoopbackServiceUrl(serviceUrl)) {
    res.status(403).json({
      error:
        "local mode answers activities whose serviceUrl is on loopback only (http://127.0.0.1, localhost or [::1], with a port)",
    });
    return;
  }
  next();
};

import type { CloudAdapter } from "botbuilder";
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from "express";
import { AUTHENTICATED } from "../server/flood-guard.js";
import { localCallerOnly, loopbackServiceUrlOnly } from "./local-mode-guard.js";
import type { WardenBot } from "./warden-bot.js";

/** Teams' own limit on a message is about 100 KB: anything much larger is not from Teams. */
const MAX_BODY = "256kb";

export interface MessagesRouteOptions {
  requireToken: boolean;
  guard: RequestHandler;
  /**
   * Checks the bearer token (signature, issuer, audience, expiry) before the body is read, so a client
   * without a token from the Bot Framework never holds a slot while it sends its body slowly. The
   * adapter checks it again with the activity (its serviceUrl) once the body is in.
   */
  authenticate?: (authorization: string) => Promise<void>;
  /** The body must arrive within this long once the token passed, or the request is answered 408. */
  bodyTimeoutMs: number;
  /**
   * Local mode (no Bot Framework authentication): the per-run token `warden web` printed. Requests must
   * then carry it, name a loopback Host and a loopback serviceUrl (see local-mode-guard.ts).
   */
  localModeToken?: string;
}

/**
 * `POST /api/messages`: every request is authenticated by the Bot Framework adapter before the bot sees
 * it. botbuilder answers two forged forms (an attacker's key under our key id, `alg: none`) with 500
 * instead of 401; a failure before the bot was reached is an authentication failure, so it is a 401.
 */
export function messagesRoute(adapter: CloudAdapter, bot: WardenBot, options: MessagesRouteOptions): Router {
  const router = Router();
  // Without a bearer token there is nothing to check: refused before its body is read (outside local mode).
  const tokenPresent: RequestHandler = (req, res, next) => {
    if (options.requireToken && !/^Bearer \S+$/.test(req.headers.authorization ?? "")) {
      res.status(401).json({ error: "a Bot Framework token is required" });
      return;
    }
    next();
  };
  const tokenValid: RequestHandler = async (req, res, next) => {
    if (options.authenticate === undefined) return next();
    try {
      await options.authenticate(req.headers.authorization ?? "");
    } catch {
      res.status(401).json({ error: "the Bot Framework token was refused" });
      return;
    }
    // Authenticated: what goes wrong from here (a slow or malformed body) is no failed authentication,
    // and must not count toward the refusals that shut out an address Teams shares with nobody else.
    res.locals[AUTHENTICATED] = true;
    next();
  };
  // A body that trickles in holds its slot: past the deadline the request is answered 408 and its
  // connection closed, whatever the client is still sending.
  const bodyDeadline: RequestHandler = (req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) {
        res.once("finish", () => req.socket.destroy());
        res
          .status(408)
          .set("Connection", "close")
          .json({ error: `the request body did not arrive within ${options.bodyTimeoutMs / 1_000} s` });
      } else req.socket.destroy();
    }, options.bodyTimeoutMs);
    req.once("end", () => clearTimeout(timer));
    res.once("close", () => clearTimeout(timer));
    next();
  };
  const local = options.localModeToken;
  const none: RequestHandler = (_req, _res, next) => next();
  router.post(
    "/api/messages",
    options.guard,
    local === undefined ? none : localCallerOnly(local),
    tokenPresent,
    tokenValid,
    bodyDeadline,
    express.json({ limit: MAX_BODY }),
    local === undefined ? none : loopbackServiceUrlOnly,
    async (req: Request, res: Response) => {
      let reached = false;
      const status = res.status.bind(res);
      res.status = (code: number) => status(code === 500 && !reached ? 401 : code);
      await adapter.process(req, res, async (context) => {
        reached = true;
        res.locals[AUTHENTICATED] = true;
        await bot.run(context);
      });
    },
  );
  router.use(
    "/api/messages",
    (
      error: Error & { status?: number; type?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      // Cut off by the body deadline: the 408 is already on its way.
      if (res.headersSent) return;
      const status = error.type === "entity.too.large" ? 413 : error.status === 400 ? 400 : 500;
      res
        .status(status)
        .json({ error: status === 413 ? "request too large" : status === 400 ? "malformed JSON" : "error" });
    },
  );
  return router;
}

import type { CloudAdapter } from "botbuilder";
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from "express";
import { AUTHENTICATED } from "../server/flood-guard.js";
import type { WardenBot } from "./warden-bot.js";

/** Teams' own limit on a message is about 100 KB: anything much larger is not from Teams. */
const MAX_BODY = "256kb";

/**
 * `POST /api/messages`: every request is authenticated by the Bot Framework adapter before the bot sees
 * it. botbuilder answers two forged forms (an attacker's key under our key id, `alg: none`) with 500
 * instead of 401; a failure before the bot was reached is an authentication failure, so it is a 401.
 */
export function messagesRoute(
  adapter: CloudAdapter,
  bot: WardenBot,
  options: { requireToken: boolean; guard: RequestHandler },
): Router {
  const router = Router();
  // Without a bearer token there is nothing to check: refused before its body is read (outside local mode).
  const tokenPresent: RequestHandler = (req, res, next) => {
    if (options.requireToken && !/^Bearer \S+$/.test(req.headers.authorization ?? "")) {
      res.status(401).json({ error: "a Bot Framework token is required" });
      return;
    }
    next();
  };
  router.post(
    "/api/messages",
    options.guard,
    tokenPresent,
    express.json({ limit: MAX_BODY }),
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
      const status = error.type === "entity.too.large" ? 413 : error.status === 400 ? 400 : 500;
      res
        .status(status)
        .json({ error: status === 413 ? "request too large" : status === 400 ? "malformed JSON" : "error" });
    },
  );
  return router;
}

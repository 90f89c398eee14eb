import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express, { type RequestHandler } from "express";

/**
 * The BullMQ dashboard, read-only: operators watch the queues, nobody changes them through it. A job
 * added, retried or promoted here would reach the workers as if Warden had queued it (issue 17, finding
 * 7: an `undo` added here reverted an incident). bull-board's read-only mode refuses its write routes
 * (405), and every request that is not a read is refused before bull-board sees it, so a route a later
 * bull-board adds outside that mode is closed too.
 */
export function readOnlyQueueDashboard(basePath: string, queues: readonly Queue[]): RequestHandler {
  const board = new ExpressAdapter();
  board.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: board,
  });
  const router = express.Router();
  router.use((req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    res
      .status(405)
      .set("Allow", "GET, HEAD")
      .type("text/plain")
      .send(
        "the queue dashboard is read-only: jobs come from Warden's own workflow (decide on the incident's card in Teams)\n",
      );
  });
  router.use(board.getRouter() as RequestHandler);
  return router;
}

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { addRosterRoutes, type TeamsMember } from "./roster.js";

export type { TeamsMember } from "./roster.js";

/**
 * The bearer token the demo's bot signs its connector calls with (SimulatorCredentialsFactory in
 * src/bot/adapter.ts); the roster routes refuse any other, as the Bot Connector refuses a call without
 * the bot's token.
 */
export const SIMULATED_BOT_TOKEN = "simulated-connector-token";

export interface SentActivity {
  method: "POST" | "PUT";
  /**
   * Which Bot Connector operation carried it: a new thread or a message to a conversation (`post`), a
   * reply to an activity (`reply`), or an update of a message in place (`update`).
   */
  op: "post" | "reply" | "update";
  conversationId: string;
  activityId: string;
  activity: Record<string, unknown>;
  at: number;
}

/**
 * The Bot Connector a Teams bot talks back to, simulated on loopback: it records what the bot sends
 * (new threads, replies, updates), answers with ids as Teams does, and can throttle with 429s.
 */
export class FakeConnector {
  readonly sent: SentActivity[] = [];
  /** Fraction of requests answered 429 (with Retry-After 1), for testing posting under throttling. */
  throttle = 0;
  /** How many requests were answered 429. */
  throttled = 0;
  /** Fraction of requests (of those not throttled) answered 502, as a failing Teams front end does. */
  badGateway = 0;
  /** How many requests were answered 502. */
  failed = 0;
  /** Each channel's members, by channel id (`19:...@thread.tacv2`), for the roster routes. */
  readonly rosters = new Map<string, TeamsMember[]>();
  /** The token the roster routes expect from the bot. */
  botToken = SIMULATED_BOT_TOKEN;
  private readonly listeners = new Set<(sent: SentActivity) => void>();
  private gatewayTurns = 0;
  private turns = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    const app = express();
    app.use(express.json({ limit: "1mb" }));
    app.use((_req, res, next) => {
      this.turns += 1;
      if (Math.floor(this.turns * this.throttle) !== Math.floor((this.turns - 1) * this.throttle)) {
        this.throttled += 1;
        res
          .status(429)
          .set("Retry-After", "1")
          .json({ error: { code: "TooManyRequests", message: "Too many requests" } });
        return;
      }
      this.gatewayTurns += 1;
      const turn = this.gatewayTurns;
      if (Math.floor(turn * this.badGateway) !== Math.floor((turn - 1) * this.badGateway)) {
        this.failed += 1;
        res.status(502).json({ error: { code: "BadGateway", message: "Bad gateway" } });
        return;
      }
      next();
    });
    const record = (
      op: SentActivity["op"],
      conversationId: string,
      activityId: string,
      activity: Record<string, unknown>,
    ) => {
      const sent: SentActivity = {
        method: op === "update" ? "PUT" : "POST",
        op,
        conversationId,
        activityId,
        activity,
        at: Date.now(),
      };
      this.sent.push(sent);
      for (const listener of this.listeners) listener(sent);
    };
    addRosterRoutes(app, this.rosters, () => this.botToken);
    // A new conversation (a thread in a channel) with its first activity.
    app.post("/v3/conversations", (req, res) => {
      const body = req.body as {
        channelData?: { channel?: { id?: string } };
        activity?: Record<string, unknown>;
      };
      const channel = body.channelData?.channel?.id ?? "19:channel@thread.tacv2";
      const activityId = String(Date.now() + this.sent.length);
      const conversationId = `${channel};messageid=${activityId}`;
      if (body.activity !== undefined) record("post", conversationId, activityId, body.activity);
      res.status(201).json({ id: conversationId, activityId });
    });
    app.post("/v3/conversations/:conversationId/activities", (req, res) => {
      const activityId = String(Date.now() + this.sent.length);
      record("post", String(req.params["conversationId"]), activityId, req.body as Record<string, unknown>);
      res.status(201).json({ id: activityId });
    });
    app.post("/v3/conversations/:conversationId/activities/:replyTo", (req, res) => {
      const activityId = randomUUID();
      record("reply", String(req.params["conversationId"]), activityId, req.body as Record<string, unknown>);
      res.status(201).json({ id: activityId });
    });
    app.put("/v3/conversations/:conversationId/activities/:activityId", (req, res) => {
      record(
        "update",
        String(req.params["conversationId"]),
        String(req.params["activityId"]),
        req.body as Record<string, unknown>,
      );
      res.status(200).json({ id: req.params["activityId"] });
    });
    this.server = createServer(app);
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /**
   * Calls `listener` with each activity as the connector records it, in order (the demo's transcript).
   * Returns the function that stops it.
   */
  onSent(listener: (sent: SentActivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sets a channel's members; a thread's conversation id reads its channel's. */
  setRoster(channelId: string, members: TeamsMember[]): void {
    this.rosters.set(channelId, members);
  }

  /** The latest version of each message, by activity id. */
  messages(): Map<string, SentActivity> {
    const latest = new Map<string, SentActivity>();
    for (const s of this.sent) latest.set(s.activityId, s);
    return latest;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }
}

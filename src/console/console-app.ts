import { randomBytes, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import express from "express";
import type { BotAnswer, Conversation, DemoPerson } from "../demo/world.js";
import { packageFile } from "../paths.js";
import type { SentActivity } from "../sim/bot/connector.js";
import type { TenantView } from "./tenant-view.js";

/** One message in the console's channel or chat pane, in its latest version. */
export interface ConsoleMessage {
  activityId: string;
  conversationId: string;
  from: "warden" | string;
  at: number;
  updatedAt: number;
  /** How many times the bot updated it in place (the page re-renders a card only when this moves). */
  revision: number;
  text?: string;
  card?: unknown;
}

export interface ConsoleDeps {
  people: readonly DemoPerson[];
  channelId: string;
  /** Everything the bot sent to the simulated Bot Connector, in order. */
  sent: () => readonly SentActivity[];
  tenant: () => TenantView;
  send: (
    person: DemoPerson,
    activity: Record<string, unknown>,
    conversation?: Conversation,
  ) => Promise<BotAnswer>;
}

export interface ConsoleApp {
  app: express.Express;
  /** The secret the page's address carries (after `#`, so it never reaches a server log or a Referer). */
  token: string;
}

const CARD = "application/vnd.microsoft.card.adaptive";
const personalChat = (person: DemoPerson) => `a:demo-chat-${person.id}`;

/**
 * The demo's SOC console: the simulated Teams channel with each card rendered by the Adaptive Cards
 * renderer, the chat, and the tenant beside them. Loopback only; every API call carries a per-run token
 * and a loopback Host (a web page elsewhere in the browser can neither read it nor click for the analyst,
 * not even through DNS rebinding). A click becomes the invoke Teams would send, signed by the simulated
 * Bot Framework token service, so the bot checks it exactly as it checks Teams.
 */
export function createConsoleApp(deps: ConsoleDeps, port: () => number): ConsoleApp {
  const token = randomBytes(24).toString("base64url");
  const expected = Buffer.from(token);
  const app = express();
  app.disable("x-powered-by");
  app.use((req, res, next) => {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`) {
      res.status(421).type("text/plain").send("The console answers on 127.0.0.1 or localhost only.\n");
      return;
    }
    res.set({
      "Content-Security-Policy":
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
    });
    next();
  });
  const vendor = createRequire(import.meta.url).resolve("adaptivecards/dist/adaptivecards.min.js");
  app.get("/", (_req, res) => res.sendFile(packageFile("console/index.html")));
  app.get("/favicon.ico", (_req, res) => res.status(204).end());
  // The page's scripts, each a file of console/ (script-src 'self' admits nothing inline).
  for (const script of ["console.js", "markdown.js", "card-host.js"]) {
    app.get(`/${script}`, (_req, res) =>
      res.type("text/javascript").sendFile(packageFile(`console/${script}`)),
    );
  }
  app.get("/console.css", (_req, res) => res.type("text/css").sendFile(packageFile("console/console.css")));
  app.get("/vendor/adaptivecards.min.js", (_req, res) => res.type("text/javascript").sendFile(vendor));

  const api = express.Router();
  api.use((req, res, next) => {
    const given = Buffer.from(String(req.headers["x-console-token"] ?? ""));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res
        .status(401)
        .json({ error: "open the address `warden demo` printed: it carries the console's token" });
      return;
    }
    next();
  });
  api.use(express.json({ limit: "16kb" }));
  const person = (id: unknown) => deps.people.find((p) => p.id === id);
  // What people typed in their chat with Warden (the Bot Connector only sees Warden's side).
  const typed: ConsoleMessage[] = [];

  api.get("/state", (_req, res) => {
    const messages = latest(deps.sent());
    res.json({
      people: deps.people,
      channel: messages.filter((m) => m.conversationId.startsWith(deps.channelId)),
      chats: Object.fromEntries(
        deps.people.map((p) => [
          p.id,
          [...typed, ...messages]
            .filter((m) => m.conversationId === personalChat(p))
            .sort((a, b) => a.at - b.at),
        ]),
      ),
      tenant: deps.tenant(),
    });
  });

  api.post("/invoke", async (req, res) => {
    const body = req.body as { personId?: unknown; conversationId?: unknown; verb?: unknown; data?: unknown };
    const who = person(body.personId);
    if (who === undefined || typeof body.verb !== "string" || typeof body.conversationId !== "string") {
      res.status(400).json({ error: "personId, conversationId and verb are required" });
      return;
    }
    // A card lives in the channel (one of its threads) or in this person's own chat with Warden.
    const inChannel = body.conversationId.startsWith(`${deps.channelId};messageid=`);
    if (!inChannel && body.conversationId !== personalChat(who)) {
      res.status(400).json({ error: "conversationId is neither the channel's nor this person's chat" });
      return;
    }
    const answer = await deps.send(
      who,
      {
        type: "invoke",
        name: "adaptiveCard/action",
        value: {
          action: {
            type: "Action.Execute",
            verb: body.verb,
            data: typeof body.data === "object" && body.data !== null ? body.data : {},
          },
        },
      },
      { id: body.conversationId, conversationType: inChannel ? "channel" : "personal" },
    );
    const value = (answer.body as { type?: string; value?: unknown } | undefined) ?? {};
    res.json({ status: answer.status, card: value.type === CARD ? value.value : undefined });
  });

  api.post("/chat", async (req, res) => {
    const body = req.body as { personId?: unknown; text?: unknown };
    const who = person(body.personId);
    if (who === undefined || typeof body.text !== "string" || body.text.trim() === "") {
      res.status(400).json({ error: "personId and a non-empty text are required" });
      return;
    }
    const text = body.text.slice(0, 1_000);
    const at = Date.now();
    typed.push({
      activityId: `typed-${typed.length}`,
      conversationId: personalChat(who),
      from: who.name,
      at,
      updatedAt: at,
      revision: 0,
      text,
    });
    const answer = await deps.send(
      who,
      { type: "message", text },
      { id: personalChat(who), conversationType: "personal" },
    );
    res.json({ status: answer.status });
  });
  app.use("/api", api);
  return { app, token };
}

/** The latest version of each message the bot sent, in the order they first appeared. */
export function latest(sent: readonly SentActivity[]): ConsoleMessage[] {
  const byId = new Map<string, ConsoleMessage>();
  for (const s of sent) {
    const attachments =
      (s.activity["attachments"] as { contentType?: string; content?: unknown }[] | undefined) ?? [];
    const card = attachments.find((a) => a.contentType === CARD)?.content;
    const text = typeof s.activity["text"] === "string" ? (s.activity["text"] as string) : undefined;
    const previous = byId.get(s.activityId);
    byId.set(s.activityId, {
      activityId: s.activityId,
      conversationId: s.conversationId,
      from: "warden",
      at: previous?.at ?? s.at,
      updatedAt: s.at,
      revision: previous === undefined ? 0 : previous.revision + 1,
      ...(text === undefined ? {} : { text }),
      ...(card === undefined ? {} : { card }),
    });
  }
  return [...byId.values()];
}

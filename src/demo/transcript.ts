import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { SentActivity } from "../sim/bot/connector.js";

/**
 * `warden demo --transcript FILE`: every message Warden sent or updated through the Bot Connector, in the
 * order the connector received them, one JSON object a line, for people to review, diff, and paste cards
 * into the Adaptive Cards designer. Each line is the activity exactly as the Bot Framework client sent it
 * (type, summary, text, entities, attachments with the card, channelData...) with the id the connector
 * gave it, its conversation id, and `_op`: `post` (a new thread, or a message to a conversation), `reply`
 * or `update`. The card Warden answered a click with, which only the clicker sees, is a line of its own:
 * `_op: "invokeResponse"` with the click's `verb`.
 *
 * Lines are written synchronously as they happen, so a demo stopped by Ctrl-C, or killed, keeps every
 * line written until then; the file is written afresh by each run, so two runs' files can be diffed.
 */
export interface Transcript {
  readonly path: string;
  /** Appends one line (nothing once closed: a late update during shutdown is not an error). */
  write(line: Record<string, unknown>): void;
  /** Flushes to disk and closes the file. */
  close(): void;
}

/** Opens FILE for the transcript, emptying it; throws (with the system's reason) when it cannot be written. */
export function openTranscript(path: string): Transcript {
  let fd: number | undefined = openSync(path, "w");
  return {
    path,
    write(line) {
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(line)}\n`);
    },
    close() {
      if (fd === undefined) return;
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    },
  };
}

/** A message as the connector received it: the activity, its `_op`, its id and its conversation's id. */
export function connectorLine(sent: SentActivity): Record<string, unknown> {
  const conversation = sent.activity["conversation"];
  return {
    _op: sent.op,
    ...sent.activity,
    id: sent.activityId,
    conversation: {
      ...(typeof conversation === "object" && conversation !== null ? conversation : {}),
      id: sent.conversationId,
    },
  };
}

/**
 * The answer to an Action.Execute click (`adaptiveCard/action` invoke): the click's verb, who clicked,
 * where, and Warden's answer as the bot returned it (`statusCode`, `type`, and the card or message in
 * `value`). Undefined for any other activity.
 */
export function invokeResponseLine(
  activity: Record<string, unknown>,
  from: { id: string; name: string },
  conversationId: string,
  answer: { status: number; body: unknown },
): Record<string, unknown> | undefined {
  if (activity["type"] !== "invoke" || activity["name"] !== "adaptiveCard/action") return undefined;
  const value = activity["value"] as { action?: { verb?: unknown; data?: unknown } } | undefined;
  const body = answer.body;
  return {
    _op: "invokeResponse",
    verb: value?.action?.verb ?? null,
    data: value?.action?.data ?? null,
    from: { id: `29:${from.id}`, aadObjectId: from.id, name: from.name },
    conversation: { id: conversationId },
    ...(activity["replyToId"] === undefined ? {} : { replyToId: activity["replyToId"] }),
    status: answer.status,
    ...(typeof body === "object" && body !== null && !Array.isArray(body) ? body : { body: body ?? null }),
  };
}

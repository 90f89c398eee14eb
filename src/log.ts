import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs (JSON lines) with tenant, incident and job ids as fields. Secrets never reach a log:
 * anything that looks like one is redacted by path, and no code logs request headers or card payloads.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "warden" },
      redact: {
        paths: [
          "*.clientSecret",
          "*.client_secret",
          "*.password",
          "*.authorization",
          "*.Authorization",
          "*.access_token",
          "*.token",
          "headers.authorization",
          "config.clientSecret",
        ],
        censor: "[redacted]",
      },
    },
    options.destination ?? process.stdout,
  );
}

/**
 * Libraries that write to the console (botbuilder prints every failed request's error and stack with
 * `console.error`, across many lines) would break the JSON-lines log a collector reads, and their text is
 * the caller's to shape. Their lines go through the logger instead: one JSON line each, the text as
 * `msg` (an error's message, with its stack in `err.stack`). Returns how to put the console back.
 */
export function consoleThroughLogger(log: Logger): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const through =
    (level: "info" | "warn" | "error") =>
    (...args: unknown[]): void => {
      const error = args.find((a): a is Error => a instanceof Error);
      const text = args
        .map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : safeJson(a)))
        .join(" ");
      // Only what an error says of itself: an HTTP client's error carries its request, headers and all
      // (an Authorization header in clear), deeper than the redaction paths reach.
      const fields = {
        source: "console",
        ...(error === undefined
          ? {}
          : { err: { type: error.name, message: error.message, stack: error.stack ?? "" } }),
      };
      log[level](fields, text.slice(0, 4_096));
    };
  console.log = through("info");
  console.info = through("info");
  console.warn = through("warn");
  console.error = through("error");
  return () => Object.assign(console, saved);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

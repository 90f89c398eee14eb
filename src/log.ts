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

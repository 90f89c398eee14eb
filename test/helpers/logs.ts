import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/log.js";

/** A logger that writes nothing: for tests that do not read the log, at the level they would show. */
export function quietLogger(level = "silent"): Logger {
  return createLogger({ level, destination: new Writable({ write: (_c, _e, done) => done() }) });
}

/** A logger whose lines a test reads back, parsed, in the order they were written. */
export function capturedLogs(level = "info"): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    destination: new Writable({
      write: (chunk, _e, done) => {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { log, lines };
}

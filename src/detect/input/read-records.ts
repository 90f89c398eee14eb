import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { expandContainer } from "./expand-container.js";
import type { InputItem } from "./input-item.js";

export type { InputItem } from "./input-item.js";

/**
 * Reads log records from files, folders or stdin, in any of the forms exports come in: one JSON document
 * (an array, `{"value":[...]}`, `{"records":[...]}`, a Log Analytics `tables` result), or JSON lines;
 * gzip-compressed or not. JSON lines are streamed, so memory stays flat however long the input is.
 * A broken line or an unreadable document is yielded as a problem with its place, never thrown.
 */

export class InputError extends Error {}

/** Every file an input path names: the file itself, or the files under a folder in name order. */
export async function listInputFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new InputError(`cannot read ${path}: no such file or folder. Check the --input path.`);
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new InputError(`${path} is neither a file nor a folder.`);
  const files: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await listInputFiles(child)));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

export async function* readInput(path: string): AsyncGenerator<InputItem> {
  if (path === "-") {
    yield* readStream(process.stdin, "stdin");
    return;
  }
  for (const file of await listInputFiles(path)) {
    yield* readStream(createReadStream(file), file);
  }
}

/** Reads one stream; exported for tests and for callers that already hold a stream. */
export async function* readStream(source: Readable, name: string): AsyncGenerator<InputItem> {
  let stream: Readable;
  try {
    stream = await decompressIfGzip(source);
  } catch (error) {
    yield { kind: "problem", place: name, reason: `cannot be read: ${(error as Error).message}` };
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let mode: "undecided" | "lines" | "document" = "undecided";
  const documentParts: string[] = [];
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (mode === "document") {
        documentParts.push(line);
        continue;
      }
      const trimmed = line.trim();
      if (trimmed.length === 0) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (error) {
        // A first line that opens but does not close a JSON value starts a pretty-printed document.
        if (mode === "undecided" && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
          mode = "document";
          documentParts.push(line);
          continue;
        }
        if (mode === "undecided") {
          // The very first line is not JSON at all: the file is something else (a README, a CSV). Say so once.
          yield {
            kind: "problem",
            place: name,
            reason: `is not JSON or JSON lines (line ${lineNumber}: ${(error as Error).message})`,
          };
          lines.close();
          stream.destroy();
          return;
        }
        yield {
          kind: "problem",
          place: `${name}:${lineNumber}`,
          reason: `not valid JSON (${(error as Error).message})`,
        };
        continue;
      }
      mode = "lines";
      yield* expandContainer(parsed, `${name}:${lineNumber}`);
    }
  } catch (error) {
    yield {
      kind: "problem",
      place: `${name}:${lineNumber}`,
      reason: `reading stopped: ${(error as Error).message}`,
    };
    return;
  }
  if (mode === "document") {
    let document: unknown;
    try {
      document = JSON.parse(documentParts.join("\n"));
    } catch (error) {
      yield {
        kind: "problem",
        place: name,
        reason: `not a valid JSON document (${(error as Error).message})`,
      };
      return;
    }
    yield* expandContainer(document, name);
  }
}

/** Looks at the first two bytes (gzip's magic number) instead of trusting a file name. */
async function decompressIfGzip(source: Readable): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return Readable.from([]);
  const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(String(first.value));
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
    }
  }
  const joined = Readable.from(rest());
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return joined.pipe(createGunzip());
  return joined;
}

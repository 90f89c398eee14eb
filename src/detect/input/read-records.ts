import { createReadStream } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { boundedLines } from "./bounded-lines.js";
import { expandContainer } from "./expand-container.js";
import type { InputItem } from "./input-item.js";

export type { InputItem } from "./input-item.js";

/**
 * Reads log records from files, folders or stdin, in any of the forms exports come in: one JSON document
 * (an array, `{"value":[...]}`, `{"records":[...]}`, a Log Analytics `tables` result), or JSON lines;
 * gzip-compressed or not. JSON lines are streamed, so memory stays flat however long the input is.
 * A broken line or an unreadable document is yielded as a problem with its place, never thrown.
 */

const MiB = 1024 * 1024;

/** How much of the input one record or document may take before it is skipped with a reason. */
export interface ReadLimits {
  /**
   * The longest line read (bytes, after gzip). A record is a few KB and a one-line API page (Graph,
   * Log Analytics) a few MB: 64 MiB leaves room for both, and keeps a line well under the longest
   * string V8 can hold (~512 M characters), which a gzip inflating to one huge line used to exceed.
   */
  maxLineBytes: number;
  /**
   * The largest pretty-printed (multi-line) JSON document read whole, in characters. Past it the
   * document is refused with a reason: parsed whole, it would take several times its size in memory.
   * JSON lines have no such limit.
   */
  maxDocumentChars: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxLineBytes: 64 * MiB, maxDocumentChars: 128 * MiB };

const inMiB = (n: number) => `${Math.round((n / MiB) * 10) / 10} MiB`;

export class InputError extends Error {}

/**
 * Every file an input path names: the file itself, or the files under a folder in name order. Symbolic
 * links are followed (a folder of links to exports is a common way to gather them), each real folder and
 * file once however many links reach it, and never into the kernel's pseudo-filesystems (/proc, /sys,
 * /dev: a link there would read forever). A broken link is skipped.
 */
export async function listInputFiles(path: string): Promise<string[]> {
  return listFiles(path, { folders: new Set(), files: new Set() }, true);
}

const PSEUDO_FILESYSTEMS = /^\/(proc|sys|dev)(\/|$)/;

async function listFiles(
  path: string,
  seen: { folders: Set<string>; files: Set<string> },
  top: boolean,
): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  let real: string;
  try {
    info = await stat(path);
    real = await realpath(path);
  } catch {
    if (!top) return [];
    throw new InputError(`cannot read ${path}: no such file or folder. Check the --input path.`);
  }
  if (PSEUDO_FILESYSTEMS.test(real)) {
    if (!top) return [];
    throw new InputError(
      `${path} is in ${real.split("/")[1]}, not an export: give the folder of the exports.`,
    );
  }
  if (info.isFile()) {
    if (seen.files.has(real)) return [];
    seen.files.add(real);
    return [path];
  }
  if (!info.isDirectory()) {
    if (!top) return [];
    throw new InputError(`${path} is neither a file nor a folder.`);
  }
  if (seen.folders.has(real)) return [];
  seen.folders.add(real);
  const files: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory() || entry.isSymbolicLink() || entry.isFile())
      files.push(...(await listFiles(join(path, entry.name), seen, false)));
  }
  return files;
}

export async function* readInput(
  path: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): AsyncGenerator<InputItem> {
  if (path === "-") {
    yield* readStream(process.stdin, "stdin", limits);
    return;
  }
  for (const file of await listInputFiles(path)) {
    yield* readStream(createReadStream(file), file, limits);
  }
}

/** Reads one stream; exported for tests and for callers that already hold a stream. */
export async function* readStream(
  source: Readable,
  name: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): AsyncGenerator<InputItem> {
  let stream: Readable;
  try {
    stream = await decodeByBom(await decompressIfGzip(source));
  } catch (error) {
    yield { kind: "problem", place: name, reason: `cannot be read: ${(error as Error).message}` };
    return;
  }
  let lineNumber = 0;
  let mode: "undecided" | "lines" | "document" = "undecided";
  const documentParts: string[] = [];
  let documentChars = 0;
  try {
    for await (const read of boundedLines(stream, limits.maxLineBytes)) {
      lineNumber += 1;
      if (read.kind === "too-long") {
        // Inside a document a line cannot be skipped (the rest would not parse): the document goes.
        if (mode === "document") {
          yield tooLarge(name, `line ${lineNumber} is longer than ${inMiB(limits.maxLineBytes)}`);
          stream.destroy();
          return;
        }
        mode = "lines";
        yield {
          kind: "problem",
          place: `${name}:${lineNumber}`,
          reason: `skipped: a line of ${read.bytes} bytes, over the ${inMiB(limits.maxLineBytes)} a line may take (no log record is that long; one JSON document on one line? Write it as JSON lines, one record a line)`,
        };
        continue;
      }
      const line = read.text;
      if (mode === "document") {
        documentChars += line.length + 1;
        if (documentChars > limits.maxDocumentChars) {
          yield tooLarge(name, `it is over ${inMiB(limits.maxDocumentChars)}`);
          stream.destroy();
          return;
        }
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
          documentChars = line.length + 1;
          continue;
        }
        if (mode === "undecided") {
          // The very first line is not JSON at all: the file is something else (a README, a CSV, a zip
          // archive as Log Analytics and the Defender portal download them). Say so once, and what to do.
          yield {
            kind: "problem",
            place: name,
            reason: trimmed.startsWith("PK\u0003\u0004")
              ? "is a zip archive: unzip it and read what it holds (Warden reads JSON, JSON lines and gzip)"
              : `is not JSON or JSON lines (line ${lineNumber}: ${(error as Error).message})`,
          };
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

/** A pretty-printed document past the limits: refused whole, with what to do instead. */
function tooLarge(name: string, why: string): InputItem {
  return {
    kind: "problem",
    place: name,
    reason: `not read: a multi-line JSON document is read whole, and ${why}. Write it as JSON lines, one record a line (for example \`jq -c '.[]'\`, or \`'.value[]'\` for a Graph page)`,
  };
}

/**
 * Text as UTF-8 whatever it was written in, told by its byte-order mark: UTF-8's is dropped (JSON.parse
 * refuses it), UTF-16LE (Windows PowerShell 5.1's `>` and `Out-File`) and UTF-16BE are decoded. Without
 * a mark the text is UTF-8, as JSON requires (RFC 8259).
 */
async function decodeByBom(source: Readable): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  // A mark is at most three bytes; a first chunk that short is rare, so gather until there are three.
  while (head.length < 3) {
    const next = await iterator.next();
    if (next.done === true) break;
    head = Buffer.concat([head, Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value))]);
  }
  const encoding =
    head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf
      ? "utf-8"
      : head[0] === 0xff && head[1] === 0xfe
        ? "utf-16le"
        : head[0] === 0xfe && head[1] === 0xff
          ? "utf-16be"
          : undefined;
  const skip = encoding === "utf-8" ? 3 : encoding === undefined ? 0 : 2;
  async function* chunks(): AsyncGenerator<Buffer> {
    yield head.subarray(skip);
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
    }
  }
  if (encoding === undefined || encoding === "utf-8") return Readable.from(chunks());
  const decoder = new TextDecoder(encoding, { fatal: false });
  async function* recoded(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks()) {
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) yield Buffer.from(text, "utf-8");
    }
    const rest = decoder.decode();
    if (rest.length > 0) yield Buffer.from(rest, "utf-8");
  }
  return Readable.from(recoded());
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

import type { Readable } from "node:stream";

/** One line of a stream: its text, or the fact that it was longer than the cap and was dropped. */
export type BoundedLine = { kind: "line"; text: string } | { kind: "too-long"; bytes: number };

/**
 * Splits a byte stream into lines (`\n`, `\r\n` or a lone `\r`, as readline does) without ever holding
 * more than `maxBytes` of one line. readline keeps a whole line as one string, so a gzip that inflates
 * to one 600 MB line ended `warden detect` with "RangeError: Invalid string length" (issue 17): here a
 * line past the cap is dropped as it streams by, counted, and reported as too long; the next line reads
 * as usual. Lines are decoded as UTF-8 once whole, so a character split across chunks stays whole.
 */
export async function* boundedLines(source: Readable, maxBytes: number): AsyncGenerator<BoundedLine> {
  let parts: Buffer[] = [];
  let held = 0;
  /** Bytes of the current line dropped since it passed the cap; 0 while it is within it. */
  let dropped = 0;
  /** A `\r` ended the last chunk: a `\n` first in the next one belongs to the same line break. */
  let afterCr = false;

  const end = (): BoundedLine => {
    const line: BoundedLine =
      dropped > 0
        ? { kind: "too-long", bytes: held + dropped }
        : { kind: "line", text: Buffer.concat(parts, held).toString("utf8") };
    parts = [];
    held = 0;
    dropped = 0;
    return line;
  };
  const keep = (piece: Buffer): void => {
    if (dropped > 0 || held + piece.length > maxBytes) {
      // Past the cap: what was held is let go too, only its length is remembered.
      if (dropped === 0) {
        dropped = held;
        held = 0;
        parts = [];
      }
      dropped += piece.length;
      return;
    }
    parts.push(piece);
    held += piece.length;
  };

  for await (const chunk of source) {
    const bytes: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    let start = 0;
    if (afterCr && bytes[0] === 0x0a) start = 1;
    afterCr = false;
    // The next of each break at or after `start`, each searched again only once passed: one scan a chunk.
    let lf = -2;
    let cr = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = bytes.indexOf(0x0a, start);
      if (cr !== -1 && cr < start) cr = bytes.indexOf(0x0d, start);
      const stop = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (stop < 0) {
        if (start < bytes.length) keep(bytes.subarray(start));
        break;
      }
      keep(bytes.subarray(start, stop));
      yield end();
      if (bytes[stop] === 0x0d) {
        if (stop + 1 === bytes.length) afterCr = true;
        else if (bytes[stop + 1] === 0x0a) {
          start = stop + 2;
          continue;
        }
      }
      start = stop + 1;
    }
  }
  if (held > 0 || dropped > 0) yield end();
}

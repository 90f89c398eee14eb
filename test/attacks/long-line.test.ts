import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectCommand } from "../../src/cli/detect-command.js";
import { DEFAULT_READ_LIMITS, readStream } from "../../src/detect/input/read-records.js";
import { ENTRA_ROLE } from "../../src/detect/roles.js";
import { addMemberToRole, inviteExternalUser } from "../../src/sim/records/graph-records.js";
import type { SimUser } from "../../src/sim/records/people.js";

/**
 * Issue 17, finding 11: one long line ended `warden detect`. A gzip that inflates to a single 600 MB line
 * crashed it with "RangeError: Invalid string length" (exit 1), breaking its promise that unreadable
 * records are counted, listed on stderr and never stop the run. The gzip is generated here as a stream
 * (the line is never in memory); its line is just past the production cap, so the default is what is
 * tested, and a line of any greater length takes the same path.
 */

const MiB = 1024 * 1024;
/** The production cap on a line (DEFAULT_READ_LIMITS, asserted below), written out so this test stands alone. */
const LINE_CAP = 64 * MiB;
const TENANT = "4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b";
const admin: SimUser = {
  id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  userPrincipalName: "priya.raman@contoso-lab.onmicrosoft.com",
  displayName: "Priya Raman",
  userType: "Member",
};
const guest: SimUser = {
  id: "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
  userPrincipalName: "mallory_evil.example#EXT#@contoso-lab.onmicrosoft.com",
  displayName: "Mallory",
  mail: "mallory@evil.example",
  userType: "Guest",
};
const base = (n: number) => ({
  id: `Directory_long_${n}`,
  time: `2026-11-02T11:1${n}:00Z`,
  actor: admin,
  correlationId: `c0ffee00-0000-4000-8000-00000000000${n}`,
});

/** A record line, then a line `extra` bytes past the cap (streamed, 1 MiB at a time), then a record line. */
async function* hostileLines(extra: number): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(inviteExternalUser(base(1), guest))}\n`);
  const block = Buffer.alloc(MiB, "a");
  yield Buffer.from('{"padding":"');
  let left = LINE_CAP + extra;
  while (left > 0) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    left -= piece.length;
    yield piece;
  }
  yield Buffer.from('"}\n');
  const role = addMemberToRole(base(2), guest, {
    roleTemplateId: ENTRA_ROLE.globalAdministrator,
    roleDisplayName: "Global Administrator",
  });
  yield Buffer.from(`${JSON.stringify(role)}\n`);
}

/** A writable that keeps what was written, synchronously. */
function collect(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "warden-long-line-"));
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

describe("a line longer than any record", () => {
  it("is skipped with its file:line and reason; the run goes on, exits 0, and reads the records after it", async () => {
    const file = join(folder, "one-long-line.jsonl.gz");
    await pipeline(Readable.from(hostileLines(4096)), createGzip({ level: 1 }), createWriteStream(file));
    const stdout = collect();
    const stderr = collect();
    const code = await detectCommand(
      { input: file, tenant: TENANT },
      { stdout: stdout.stream, stderr: stderr.stream, stdinIsTty: false, env: {} },
    );
    expect(code, stderr.text()).toBe(0);
    expect(stderr.text()).toContain(`${file}:2: skipped: a line of ${LINE_CAP + 4096 + 14} bytes`);
    expect(stderr.text()).toContain("over the 64 MiB a line may take");
    const out = stdout
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.at(-1)).toMatchObject({ summary: { skipped: 1, events: 2 } });
    // The line after it was read: the guest made Global Administrator is found.
    expect(out.map((f) => f["rule"])).toContain("guest-privileged-role");
  });

  it("the production cap is 64 MiB a line and 128 MiB a multi-line document", () => {
    expect(DEFAULT_READ_LIMITS).toEqual({
      maxLineBytes: 64 * MiB,
      maxDocumentChars: 128 * MiB,
    });
  });

  it("a multi-line JSON document past its cap is refused with what to do, not held whole", async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, padding: "x".repeat(100) }));
    const pretty = JSON.stringify({ value: records }, null, 2);
    const small = { maxLineBytes: 1024, maxDocumentChars: 8 * 1024 };
    const items = await all(readStream(Readable.from([Buffer.from(pretty)]), "page.json", small));
    expect(items).toEqual([
      {
        kind: "problem",
        place: "page.json",
        reason: expect.stringContaining("not read: a multi-line JSON document is read whole, and it is over"),
      },
    ]);
    expect(items[0]).toMatchObject({ reason: expect.stringContaining("Write it as JSON lines") });
    // Under the cap, the same document is read record by record.
    const read = await all(
      readStream(Readable.from([Buffer.from(pretty)]), "page.json", {
        ...small,
        maxDocumentChars: MiB,
      }),
    );
    expect(read.filter((i) => i.kind === "record")).toHaveLength(200);
  });

  it("line breaks split across chunks, CRLF and lone CR read as readline read them", async () => {
    const chunks = ['{"a":1}\r', '\n{"a":2}\r{"a"', ':3}\n\n{"a":4}'].map((c) => Buffer.from(c));
    const items = await all(readStream(Readable.from(chunks), "mixed.jsonl"));
    expect(items.map((i) => (i.kind === "record" ? i.record : i))).toEqual([
      { a: 1 },
      { a: 2 },
      { a: 3 },
      { a: 4 },
    ]);
    expect(items.map((i) => i.place)).toEqual([
      "mixed.jsonl:1",
      "mixed.jsonl:2",
      "mixed.jsonl:3",
      "mixed.jsonl:5",
    ]);
  });
});

import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { InputItem } from "../../src/detect/input/input-item.js";
import { InputError, readInput, readStream } from "../../src/detect/input/read-records.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";

async function collect(items: AsyncIterable<InputItem>): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const fromText = (text: string | Buffer, name = "input") =>
  collect(readStream(Readable.from([Buffer.from(text)]), name));
const places = (items: InputItem[]) => items.map((i) => `${i.kind}@${i.place}`);

describe("reading exports in the forms they come in", () => {
  it("reads JSON lines, each line a record", async () => {
    expect(places(await fromText('{"a":1}\n\n{"a":2}\n'))).toEqual(["record@input:1", "record@input:3"]);
  });

  it("reads a pretty-printed document, unwrapping Graph's value and diagnostic exports' records", async () => {
    const document = JSON.stringify({ "@odata.context": "https://x", value: [{ a: 1 }, { a: 2 }] }, null, 2);
    expect(places(await fromText(document))).toEqual(["record@input[0]", "record@input[1]"]);
    expect(places(await fromText(JSON.stringify({ records: [{ a: 1 }] }, null, 2)))).toEqual([
      "record@input[0]",
    ]);
  });

  it("reads a JSON array on one line and Log Analytics query results as rows", async () => {
    expect(places(await fromText('[{"a":1},{"a":2}]'))).toEqual(["record@input:1[0]", "record@input:1[1]"]);
    const tables = {
      tables: [
        { name: "PrimaryResult", columns: [{ name: "Type" }, { name: "Id" }], rows: [["AuditLogs", "x1"]] },
      ],
    };
    const [row] = await fromText(JSON.stringify(tables));
    expect(row).toEqual({ kind: "record", record: { Type: "AuditLogs", Id: "x1" }, place: "input:1[0]" });
  });

  it("decompresses gzip by its magic number, whatever the file is called", async () => {
    expect(places(await fromText(gzipSync('{"a":1}\n{"a":2}\n')))).toEqual([
      "record@input:1",
      "record@input:2",
    ]);
  });

  it("reports a broken line with its line number and goes on", async () => {
    const items = await fromText('{"a":1}\n{"a":\n{"a":3}\n');
    expect(places(items)).toEqual(["record@input:1", "problem@input:2", "record@input:3"]);
    expect(items[1]).toMatchObject({ reason: expect.stringContaining("not valid JSON") });
  });

  it("reports a broken document once, and a file that is not JSON at all once", async () => {
    expect(places(await fromText('{\n  "value": [\n'))).toEqual(["problem@input"]);
    const notJson = await fromText("# notes\nsome text\n");
    expect(notJson).toEqual([
      { kind: "problem", place: "input", reason: expect.stringContaining("is not JSON or JSON lines") },
    ]);
  });

  it("reports a corrupt gzip stream instead of throwing", async () => {
    const corrupt = Buffer.concat([gzipSync('{"a":1}\n').subarray(0, 12), Buffer.from("garbage")]);
    const items = await fromText(corrupt);
    expect(items.at(-1)?.kind).toBe("problem");
  });
});

describe("files and folders", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "warden-input-"));
    await mkdir(join(folder, "activity"));
    await writeFile(join(folder, "b-audit.json"), JSON.stringify({ value: [{ a: 1 }] }));
    await writeFile(join(folder, "activity", "day1.jsonl.gz"), gzipSync('{"a":2}\n'));
    await writeFile(join(folder, ".hidden"), "ignored");
  });

  it("reads every file under a folder in name order, skipping hidden ones", async () => {
    const items = await collect(readInput(folder));
    expect(items.map((i) => i.place.replace(folder, ""))).toEqual([
      "/activity/day1.jsonl.gz:1",
      "/b-audit.json:1[0]",
    ]);
  });

  it("says what to fix when the path does not exist", async () => {
    await expect(collect(readInput(join(folder, "missing")))).rejects.toThrow(InputError);
    await expect(collect(readInput(join(folder, "missing")))).rejects.toThrow("Check the --input path");
  });
});

describe("exports as Microsoft's tools write them (issue 19, points 1 to 3)", () => {
  it("follows symbolic links to files and folders, once each, past a link that loops and one that is broken", async () => {
    const root = await mkdtemp(join(tmpdir(), "warden-links-"));
    const exports = join(root, "exports");
    const gathered = join(root, "gathered");
    await mkdir(join(exports, "more"), { recursive: true });
    await mkdir(gathered);
    await writeFile(join(exports, "audit.jsonl"), '{"a":1}\n');
    await writeFile(join(exports, "more", "activity.jsonl"), '{"a":2}\n');
    await symlink(join(exports, "audit.jsonl"), join(gathered, "1-audit.jsonl"));
    await symlink(join(exports, "more"), join(gathered, "2-more"));
    await symlink(gathered, join(gathered, "3-loop"));
    await symlink(join(root, "nowhere.jsonl"), join(gathered, "4-broken.jsonl"));
    // The same folder and file reached again by other links: read once each.
    await symlink(join(exports, "more"), join(gathered, "5-more-again"));
    await symlink(join(exports, "audit.jsonl"), join(gathered, "6-audit-again.jsonl"));
    await symlink("/proc", join(gathered, "7-proc"));
    const items = await collect(readInput(gathered));
    expect(items.map((i) => i.place.replace(gathered, ""))).toEqual([
      "/1-audit.jsonl:1",
      "/2-more/activity.jsonl:1",
    ]);
  });

  it("unwraps an ARM list page with its nextLink, as the Activity Log API and az rest return it", async () => {
    // Microsoft's own example of ActivityLogs_List, copied unchanged from ../shared/reference/arm (azure-rest-api-specs
    // 20027d4, specification/monitor/.../2015-04-01/examples/GetActivityLogsFiltered.json; MIT).
    const example = JSON.parse(
      readFileSync(
        join(import.meta.dirname, "../fixtures/reference/arm/GetActivityLogsFiltered.json"),
        "utf8",
      ),
    ) as { responses: { "200": { body: { value: unknown[]; nextLink: string } } } };
    const page = example.responses["200"].body;
    expect(page.nextLink).toMatch(/^https:/);
    const items = await fromText(JSON.stringify(page, null, 2), "page.json");
    const records = items.filter((i) => i.kind === "record");
    expect(records).toHaveLength(page.value.length);
    const read = records.map((i) =>
      i.kind === "record" ? normaliseRecord(i.record, { tenantId: "t" }) : undefined,
    );
    expect(read.map((r) => (r?.ok === true ? r.event.operation : r))).toEqual(
      page.value.map((v) => (v as { operationName: { value: string } }).operationName.value),
    );
    // The page names a next one: the export is cut short, and that is said.
    expect(items.at(-1)).toEqual({
      kind: "problem",
      place: "page.json",
      reason: expect.stringMatching(
        /^one page of a longer list: the pages after it \(its nextLink\) are not in this export/,
      ),
    });
  });

  it("reads UTF-16 (little and big endian) and UTF-8 with a byte-order mark", async () => {
    const text = '{"a":"é"}\r\n{"a":2}\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le.subarray(2)).swap16();
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    for (const bytes of [le, Buffer.concat([Buffer.from([0xfe, 0xff]), be]), utf8, gzipSync(le)]) {
      const items = await fromText(bytes);
      expect(items).toEqual([
        { kind: "record", record: { a: "é" }, place: "input:1" },
        { kind: "record", record: { a: 2 }, place: "input:2" },
      ]);
    }
    // Split in one-byte chunks, a UTF-16 character straddles every chunk boundary.
    const oneByOne = await collect(readStream(Readable.from([...le].map((b) => Buffer.from([b]))), "input"));
    expect(oneByOne.map((i) => (i.kind === "record" ? i.record : i))).toEqual([{ a: "é" }, { a: 2 }]);
  });

  it("says a zip archive is one, and what to do with it", async () => {
    const zip = Buffer.concat([
      Buffer.from("PK\u0003\u0004"),
      Buffer.alloc(26),
      Buffer.from("AADAuditEvents.json"),
    ]);
    expect(await fromText(zip, "export.zip")).toEqual([
      {
        kind: "problem",
        place: "export.zip",
        reason: "is a zip archive: unzip it and read what it holds (Warden reads JSON, JSON lines and gzip)",
      },
    ]);
  });
});

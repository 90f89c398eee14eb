import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { detectCommand } from "../../src/cli/detect-command.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe("progress of a long input", () => {
  it("is shown on stderr when it is a terminal, and not in pipes", async () => {
    const day = tenantDay({ attacks: [], noiseEvents: 12_000, seed: 9 });
    const file = join(await mkdtemp(join(tmpdir(), "warden-progress-")), "day.jsonl");
    await writeFile(file, day.records.map((r) => JSON.stringify(r.record)).join("\n"));

    const terminal = new Capture(true);
    const code = await detectCommand(
      { input: file },
      { stdout: new Capture(false), stderr: terminal, stdinIsTty: false, env: {} },
    );
    expect(code).toBe(0);
    expect(terminal.text).toMatch(/\r10000 records, \d+ events, 0 findings, 0 skipped/);
    expect(terminal.text.endsWith("\r\x1b[K")).toBe(true);

    const pipe = new Capture(false);
    await detectCommand(
      { input: file },
      { stdout: new Capture(false), stderr: pipe, stdinIsTty: false, env: {} },
    );
    expect(pipe.text).toBe("");
  });
});

import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ATTACKER_RANGE } from "../../src/sim/scenarios/attacks.js";
import { tenantDay } from "../../src/sim/scenarios/tenant-day.js";

/** `warden detect` as a person runs it: the built binary, real files, stdin, exit codes. */

const bin = join(import.meta.dirname, "../../bin/warden.js");
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function warden(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const child = run(process.execPath, [bin, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    maxBuffer: 64 << 20,
  });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let folder: string;
let hijackFile: string;
const day = tenantDay({ attacks: ["hijack"], noiseEvents: 300, seed: 3 });

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "warden-cli-"));
  hijackFile = join(folder, "hijack.jsonl");
  await writeFile(hijackFile, `${day.records.map((r) => JSON.stringify(r.record)).join("\n")}\n{broken\n`);
});

describe("warden detect", () => {
  it("prints one finding a line in the documented shape, then the summary, and exits 0", async () => {
    const { code, stdout, stderr } = await warden(["detect", "--input", hijackFile]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1);
    const findings = lines.slice(0, -1);
    expect(summary).toEqual({
      summary: {
        events: expect.any(Number),
        findings: findings.length,
        incidents: 1,
        skipped: 1,
        ignored: 0,
      },
    });
    expect(findings.map((f) => f["rule"])).toContain("subscription-hijack-chain");
    for (const finding of findings) {
      expect(Object.keys(finding)).toEqual(
        [
          "id",
          "rule",
          "severity",
          "confidence",
          "tenantId",
          "time",
          "subject",
          "actor",
          "incident",
          "evidence",
          "summary",
        ].filter((k) => k !== "actor" || "actor" in finding),
      );
      expect(finding["time"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(finding["evidence"]).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            source: expect.any(String),
            id: expect.any(String),
            operation: expect.any(String),
          }),
        ]),
      );
    }
    expect(stderr).toContain(`${hijackFile}:${day.records.length + 1}: not valid JSON`);
  });

  it("says on stderr that an input held no records, rather than look like a clean tenant", async () => {
    const empty = await mkdtemp(join(tmpdir(), "warden-empty-"));
    const { code, stdout, stderr } = await warden(["detect", "--input", empty]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({
      summary: { events: 0, findings: 0, incidents: 0, skipped: 0, ignored: 0 },
    });
    expect(stderr).toBe(
      `warden detect: ${empty} holds no records: no files, or only empty ones. Check the --input path.\n`,
    );
  });

  it("reads stdin with --input - and prints a table for people", async () => {
    const input = day.records.map((r) => JSON.stringify(r.record)).join("\n");
    const { code, stdout } = await warden(["detect", "--input", "-", "--format", "table"], { input });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^inc-[0-9a-f]{16} {2}CRITICAL/m);
    expect(stdout).toContain("Subscription takeover:");
    expect(stdout).toMatch(
      /\d+ events, \d+ findings in 1 incidents, 0 records skipped \(unreadable\), 0 ignored/,
    );
  });

  it("reports only findings from --since on", async () => {
    const late = new Date(day.attacks.length > 0 ? (day.records.at(-1)?.time ?? 0) : 0).toISOString();
    const { stdout } = await warden(["detect", "--input", hijackFile, "--since", late]);
    const rules = stdout
      .trim()
      .split("\n")
      .slice(0, -1)
      .map((l) => (JSON.parse(l) as { rule: string }).rule);
    expect(
      rules.every((r) => r === "subscription-directory-changed" || r === "subscription-hijack-chain"),
    ).toBe(true);
  });

  it("applies the config file and the environment", async () => {
    const config = join(folder, "config.json");
    await writeFile(config, JSON.stringify({ detect: { riskyIpRanges: [ATTACKER_RANGE] } }));
    const compromised = tenantDay({ attacks: ["compromised-admin"], noiseEvents: 0 });
    const file = join(folder, "compromised.jsonl");
    await writeFile(file, compromised.records.map((r) => JSON.stringify(r.record)).join("\n"));
    const withConfig = await warden(["detect", "-i", file, "--config", config]);
    expect(withConfig.stdout).toContain('"rule":"risky-ip-vm-created"');
    const withEnv = await warden(["detect", "-i", file], { env: { WARDEN_RISKY_IP_RANGES: ATTACKER_RANGE } });
    expect(withEnv.stdout).toContain('"rule":"risky-ip-vm-created"');
    const without = await warden(["detect", "-i", file]);
    expect(without.stdout).not.toContain('"rule":"risky-ip-vm-created"');
  });

  it.each([
    [["detect", "--input", "/no/such/path"], "cannot read /no/such/path: no such file or folder"],
    [["detect", "--input", "-", "--format", "xml"], "--format must be jsonl or table"],
    [["detect", "--input", "-", "--since", "last tuesday"], "--since must be an ISO time"],
    [["detect", "--bogus"], "unknown option '--bogus'"],
    [["nothing-like-this"], "unknown command"],
  ])("exits 2 with a message that says what to fix: %j", async (args, message) => {
    const { code, stderr } = await warden(args, { input: "" });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("exits 2 naming the setting when the config is wrong", async () => {
    const config = join(folder, "bad.json");
    await writeFile(
      config,
      JSON.stringify({ detect: { riskyIpRanges: ["10.0.0.0/33"], vmBurstThreshold: 0 } }),
    );
    const { code, stderr } = await warden(["detect", "-i", hijackFile, "-c", config]);
    expect(code).toBe(2);
    expect(stderr).toContain("detect.riskyIpRanges.0: must be an IP address or CIDR range");
    expect(stderr).toContain("detect.vmBurstThreshold");
    const env = await warden(["detect", "-i", hijackFile], { env: { WARDEN_VM_BURST_THRESHOLD: "many" } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('WARDEN_VM_BURST_THRESHOLD must be a number, got "many"');
  });
});

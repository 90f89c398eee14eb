import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EXPORT_FAMILIES } from "../../src/sim/scenarios/export-shape.js";

/** The README's first command, and `warden sim export` feeding `warden detect`, as a newcomer runs them. */

const root = join(import.meta.dirname, "../..");
const bin = join(root, "bin/warden.js");
const run = promisify(execFile);

async function detect(
  args: string[],
): Promise<{ findings: { rule: string; incident: string }[]; summary: Record<string, number> }> {
  const { stdout } = await run(process.execPath, [bin, "detect", ...args], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  const lines = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    findings: lines.slice(0, -1) as { rule: string; incident: string }[],
    summary: (lines.at(-1) as { summary: Record<string, number> }).summary,
  };
}

function rulesByIncident(findings: { rule: string; incident: string }[]): string[][] {
  const groups = new Map<string, Set<string>>();
  for (const f of findings) groups.set(f.incident, (groups.get(f.incident) ?? new Set()).add(f.rule));
  return [...groups.values()]
    .map((rules) => [...rules].sort())
    .sort((a, b) => a.join().localeCompare(b.join()));
}

const EXPECTED = [
  [
    "external-vm-created",
    "guest-azure-privileged-role",
    "guest-invited",
    "guest-privileged-role",
    "guest-vm-burst",
  ],
  [
    "guest-azure-privileged-role",
    "guest-invited",
    "guest-privileged-role",
    "subscription-directory-changed",
    "subscription-hijack-chain",
    "subscription-policy-changed",
  ],
  ["risky-ip-vm-created", "risky-signin-resource-group", "subscription-created"],
  ["risky-signin-resource-group"],
];

describe("the README's example", () => {
  it("finds the four attacks of the committed example day, each as one incident", async () => {
    const { findings, summary } = await detect([
      "--input",
      "examples/contoso-lab",
      "--config",
      "examples/detect-config.json",
    ]);
    expect(summary).toEqual({ events: 459, findings: 31, incidents: 4, skipped: 0, ignored: 0 });
    expect(rulesByIncident(findings)).toEqual(EXPECTED);
  });
});

describe("warden sim export, read back by warden detect", () => {
  for (const shape of EXPORT_FAMILIES) {
    it(`gives the same incidents from ${shape} exports`, async () => {
      const out = await mkdtemp(join(tmpdir(), `warden-export-${shape}-`));
      await run(process.execPath, [
        bin,
        "sim",
        "export",
        "--out",
        out,
        "--shape",
        shape,
        "--noise",
        "300",
        "--seed",
        "5",
      ]);
      const { findings, summary } = await detect(["--input", out, "--config", "examples/detect-config.json"]);
      expect(summary.skipped).toBe(0);
      expect(rulesByIncident(findings)).toEqual(EXPECTED);
    });
  }

  it("refuses an unknown scenario with the list of known ones", async () => {
    const failure = await run(process.execPath, [
      bin,
      "sim",
      "export",
      "--out",
      tmpdir(),
      "--scenario",
      "heist",
    ]).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown scenario heist: use compromised-admin"),
    });
  });
});

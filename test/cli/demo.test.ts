import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `warden demo --headless`: every scenario contained, by clicks on the cards or automatically. */

const bin = join(import.meta.dirname, "../../bin/warden.js");

function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // As a newcomer would run it: no NODE_EXTRA_CA_CERTS; the demo arranges its own trust of the simulator.
    const env = { ...process.env };
    delete env["NODE_EXTRA_CA_CERTS"];
    const child = spawn(process.execPath, [bin, "demo", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Summary {
  incidents: {
    rules: string[];
    state: string;
    approvedBy: string | null;
    subject: { userPrincipalName: string | null };
    actions: { action: string; outcome: string }[];
  }[];
  tenant: {
    users: Record<string, { accountEnabled: boolean | null; entraRoles: string[]; azureRoles: string[] }>;
    transfersBlocked: boolean;
  };
}

describe("warden demo --headless", () => {
  it("--approve-all: each scenario's incident once, approved on its card, contained; exit 0", async () => {
    const run = await demo(["--headless", "--approve-all", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.incidents).toHaveLength(4);
    expect(summary.incidents.map((i) => i.state)).toEqual([
      "contained",
      "contained",
      "contained",
      "contained",
    ]);
    expect(summary.incidents.every((i) => i.approvedBy === "Demo Analyst")).toBe(true);
    expect(new Set(summary.incidents.map((i) => i.rules.join(","))).size).toBe(4);
    const guest = summary.incidents.find((i) => i.rules.includes("subscription-hijack-chain"))?.subject
      .userPrincipalName;
    expect(guest).toContain("outlook-helpdesk.net");
    const disabledGuests = Object.values(summary.tenant.users).filter((u) => u.accountEnabled === false);
    expect(disabledGuests.length).toBeGreaterThanOrEqual(2);
    for (const u of disabledGuests) expect([...u.entraRoles, ...u.azureRoles]).toEqual([]);
    expect(summary.tenant.transfersBlocked).toBe(true);
  }, 240_000);

  it("--auto: the same without a click, every incident auto-contained; exit 0", async () => {
    const run = await demo(["--headless", "--auto", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.incidents.map((i) => i.state)).toEqual([
      "auto-contained",
      "auto-contained",
      "auto-contained",
      "auto-contained",
    ]);
    expect(summary.incidents.every((i) => i.approvedBy === null)).toBe(true);
  }, 240_000);

  it("says what to run when asked for the console, which is not built yet", async () => {
    const run = await demo([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("warden demo --headless --approve-all --json");
  });
});

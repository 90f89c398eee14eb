import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureRbac } from "../../src/cloud/arm-rbac.js";
import { makeCredential } from "../../src/cloud/credential.js";
import { GraphDirectory } from "../../src/cloud/graph-directory.js";
import { RateLimiter } from "../../src/cloud/rate-limiter.js";
import { SubscriptionPolicy } from "../../src/cloud/subscription-policy.js";
import { runPosture } from "../../src/posture/run-posture.js";
import { type CheckId, findingKey, type PostureReport } from "../../src/posture/types.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import { startSimCloud } from "../../src/sim/cloud/sim-server.js";
import { type PostureWorld, seedPostureDoors } from "../../src/sim/tenant/posture-seed.js";
import { SIM_APP } from "../helpers/sim.js";

/**
 * Every posture check against the simulated tenant through the real SDK clients: each on its finding and
 * on the near misses that a wrong evaluation would get wrong (posture-seed.ts says which is which).
 */

const TENANT = "5c2e8a1f-3b4d-4e6f-8a9b-0c1d2e3f4a5b";
const SUBSCRIPTIONS = ["0b6a1e2c-7d3f-4a5b-9c8d-1e2f3a4b5c6d", "1c7b2f3d-8e4a-4b6c-8d9e-2f3a4b5c6d7e"];
let sim: SimCloud;
let world: PostureWorld;

function posture(): Promise<PostureReport> {
  const credential = makeCredential(
    { tenantId: TENANT, clientId: SIM_APP.clientId, clientSecret: SIM_APP.clientSecret },
    { graph: sim.url, arm: sim.url, authority: sim.url },
  );
  const limiter = new RateLimiter();
  return runPosture({
    graph: new GraphDirectory(credential, sim.url, TENANT, limiter),
    rbac: new AzureRbac(credential, sim.url, TENANT, limiter),
    policy: new SubscriptionPolicy(credential, sim.url, TENANT, limiter),
    subscriptions: async () => [...SUBSCRIPTIONS],
    breakGlassIds: world.breakGlass,
    staleDays: 90,
    now: Date.now,
  });
}

const about = (report: PostureReport, check: CheckId) =>
  report.findings.filter((f) => f.check === check).map((f) => f.principal?.id ?? f.setting);

beforeAll(async () => {
  sim = await startSimCloud({
    tenantId: TENANT,
    domain: "northwind-lab.onmicrosoft.com",
    apps: [{ ...SIM_APP }],
    subscriptions: SUBSCRIPTIONS.map((subscriptionId, i) => ({
      subscriptionId,
      displayName: `Northwind ${i + 1}`,
      tenantId: TENANT,
      state: "Enabled",
    })),
  });
  world = seedPostureDoors(sim.directory, { subscriptions: SUBSCRIPTIONS });
}, 60_000);
afterAll(async () => sim?.close());

describe("the posture of a tenant with every door open once", () => {
  let report: PostureReport;
  beforeAll(async () => {
    report = await posture();
  }, 60_000);

  it("reads every check", () => {
    expect(report.summary.unreadable).toEqual([]);
    expect(report.summary.checks).toBe(9);
    expect(report.summary.findings).toBe(report.findings.length);
  });

  it("admin-without-mfa: the Global Administrator with no method, not the admins with one", () => {
    expect(about(report, "admin-without-mfa")).toEqual([world.lee]);
  });

  it("admin-not-covered-by-mfa-policy: report-only and location-sparing policies do not count; a nested group, a role and a guest type do", () => {
    expect(about(report, "admin-not-covered-by-mfa-policy").sort()).toEqual([world.mia, world.raj].sort());
    const mia = report.findings.find(
      (f) => f.check === "admin-not-covered-by-mfa-policy" && f.principal?.id === world.mia,
    );
    expect(mia?.detail).toContain("spares some locations");
    const raj = report.findings.find(
      (f) => f.check === "admin-not-covered-by-mfa-policy" && f.principal?.id === world.raj,
    );
    expect(raj?.detail).toContain("report-only");
  });

  it("no-risky-signin-policy: a user-risk policy and a report-only sign-in risk policy leave sign-in risk open", () => {
    const [risk] = report.findings.filter((f) => f.check === "no-risky-signin-policy");
    expect(risk?.detail).toContain("high sign-in risk");
    expect(risk?.detail).not.toContain("user risk");
  });

  it("security-defaults-off-and-no-policies: a legacy-auth block for everyone is not an MFA policy", () => {
    expect(about(report, "security-defaults-off-and-no-policies")).toEqual([
      "identitySecurityDefaultsEnforcementPolicy.isEnabled",
    ]);
  });

  it("cae-disabled: the enabled policy, not the disabled one", () => {
    expect(about(report, "cae-disabled")).toEqual([`conditionalAccess/policies/${world.caeOffPolicy}`]);
  });

  it("subscription-transfer-open: leaving and entering both open", () => {
    expect(about(report, "subscription-transfer-open").sort()).toEqual([
      "subscriptionPolicy.blockSubscriptionsIntoTenant",
      "subscriptionPolicy.blockSubscriptionsLeavingTenant",
    ]);
  });

  it("guest-privileged: the guest Owner and the eligible guest, not the guest Reader", () => {
    expect(about(report, "guest-privileged").sort()).toEqual([world.pat, world.sam].sort());
  });

  it("break-glass-misconfigured: the account a policy does not exclude, not the one every policy does", () => {
    const [finding, ...more] = report.findings.filter((f) => f.check === "break-glass-misconfigured");
    expect(more).toEqual([]);
    expect(finding?.principal?.id).toBe(world.breakGlass[1]);
    expect(finding?.detail).toContain('"Require MFA for admins"');
  });

  it("stale-privileged-external: 200 days without a sign-in, not 10, and never an unprivileged guest", () => {
    expect(about(report, "stale-privileged-external")).toEqual([world.pat]);
    // A failed attempt as Pat 5 days ago is no sign-in: the detail counts from the last success.
    const pat = report.findings.find((f) => f.check === "stale-privileged-external");
    expect(pat?.detail).toContain("last signed in 200 days ago");
  });

  it("orders the findings worst first and gives each a fix", () => {
    const order = { critical: 0, high: 1, medium: 2, low: 3 };
    const ranks = report.findings.map((f) => order[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    for (const f of report.findings) expect(f.fix.length).toBeGreaterThan(20);
    expect(new Set(report.findings.map(findingKey)).size).toBe(report.findings.length);
  });
});

describe("doors closed, and checks Microsoft will not answer", () => {
  it("a fixed door is no longer found: MFA registered, policy un-excluded, transfers blocked", async () => {
    const lee = sim.directory.users.get(world.lee);
    if (lee !== undefined) lee.methodsRegistered = ["fido2"];
    sim.directory.policy = {
      ...sim.directory.policy,
      blockSubscriptionsLeavingTenant: true,
      blockSubscriptionsIntoTenant: true,
    };
    try {
      const report = await posture();
      expect(about(report, "admin-without-mfa")).toEqual([]);
      expect(about(report, "subscription-transfer-open")).toEqual([]);
    } finally {
      if (lee !== undefined) lee.methodsRegistered = [];
      sim.directory.policy = {
        ...sim.directory.policy,
        blockSubscriptionsLeavingTenant: false,
        blockSubscriptionsIntoTenant: false,
      };
    }
  }, 60_000);

  it("break-glass-misconfigured: a Global Administrator assignment that PIM ends is not a permanent one", async () => {
    const assignment = [...sim.directory.roleAssignments.values()].find(
      (a) =>
        a.principalId === world.breakGlass[0] &&
        a.roleDefinitionId === "62e90394-69f5-4237-9190-012177145e10",
    );
    if (assignment === undefined)
      throw new Error("the seed gives the first break-glass account Global Administrator");
    const ends = new Date(Date.now() + 30 * 86_400_000).toISOString();
    assignment.schedule = {
      assignmentType: "Assigned",
      startDateTime: new Date().toISOString(),
      endDateTime: ends,
    };
    try {
      const report = await posture();
      const first = report.findings.find(
        (f) => f.check === "break-glass-misconfigured" && f.principal?.id === world.breakGlass[0],
      );
      expect(first?.detail).toContain("only for a time");
    } finally {
      delete assignment.schedule;
    }
  }, 60_000);

  it("without AuditLog.Read.All, the MFA and sign-in checks say they could not read, and claim nothing", async () => {
    sim.directory.deniedPermissions.add("AuditLog.Read.All");
    try {
      const report = await posture();
      const unread = report.summary.unreadable.filter((u) => !u.partial).map((u) => u.check);
      expect(unread).toContain("admin-without-mfa");
      expect(about(report, "admin-without-mfa")).toEqual([]);
      expect(report.summary.unreadable.find((u) => u.check === "admin-without-mfa")?.reason).toMatch(/403/);
      // The rest still reads: conditional access needs Policy.Read.All, not AuditLog.Read.All.
      expect(about(report, "cae-disabled")).toHaveLength(1);
    } finally {
      sim.directory.deniedPermissions.delete("AuditLog.Read.All");
    }
  }, 60_000);

  it("without Policy.Read.All, every conditional access check is unreadable, none says the door is closed", async () => {
    sim.directory.deniedPermissions.add("Policy.Read.All");
    try {
      const report = await posture();
      const unread = report.summary.unreadable.filter((u) => !u.partial).map((u) => u.check);
      for (const check of [
        "admin-not-covered-by-mfa-policy",
        "no-risky-signin-policy",
        "security-defaults-off-and-no-policies",
        "cae-disabled",
        "break-glass-misconfigured",
      ] as const) {
        expect(unread).toContain(check);
        expect(about(report, check)).toEqual([]);
      }
      expect(about(report, "admin-without-mfa")).toEqual([world.lee]);
      expect(about(report, "guest-privileged")).toHaveLength(2);
    } finally {
      sim.directory.deniedPermissions.delete("Policy.Read.All");
    }
  }, 60_000);

  it("in a tenant without Entra ID P1, the reports Microsoft refuses are unreadable, with the licence named", async () => {
    sim.directory.licence = "free";
    try {
      const report = await posture();
      const unread = report.summary.unreadable.filter((u) => !u.partial);
      // Conditional access stays readable without the licence (policies are kept, only writes refused).
      expect(unread.map((u) => u.check)).toEqual(["admin-without-mfa", "stale-privileged-external"]);
      for (const u of unread) expect(u.reason).toMatch(/premium license/);
      expect(about(report, "guest-privileged")).toHaveLength(2);
      expect(about(report, "subscription-transfer-open")).toHaveLength(2);
    } finally {
      sim.directory.licence = "P2";
    }
  }, 60_000);
});

describe("warden posture", () => {
  const run = async (format: string, env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const { postureCommand } = await import("../../src/cli/posture-command.js");
    const code = await postureCommand(
      { format },
      {
        stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
        stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream,
        stdinIsTty: false,
        env,
      },
    );
    return { code, out: out.join(""), err: err.join("") };
  };
  const env = () => ({
    WARDEN_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: SIM_APP.clientId,
    AZURE_CLIENT_SECRET: SIM_APP.clientSecret,
    WARDEN_GRAPH_URL: sim.url,
    WARDEN_ARM_URL: sim.url,
    WARDEN_AUTHORITY_URL: sim.url,
    WARDEN_BREAK_GLASS_IDS: world.breakGlass.join(","),
  });

  it("prints the JSON the issue names: findings with check, severity, principal or setting, detail, fix; a summary", async () => {
    const { code, out, err } = await run("json", env());
    expect(code, err).toBe(0);
    const printed = JSON.parse(out) as {
      findings: Record<string, unknown>[];
      summary: { checks: number; findings: number; unreadable: unknown[] };
    };
    expect(printed.summary).toEqual({ checks: 9, findings: printed.findings.length, unreadable: [] });
    for (const f of printed.findings) {
      expect(Object.keys(f).sort()).toEqual(["check", "detail", "fix", "principal", "setting", "severity"]);
      expect((f["principal"] === null) !== (f["setting"] === null)).toBe(true);
      if (f["principal"] !== null)
        expect(Object.keys(f["principal"] as object).sort()).toEqual(["id", "type", "userPrincipalName"]);
    }
    expect(new Set(printed.findings.map((f) => f["check"])).size).toBe(9);
    expect(err).toMatch(/findings from 9 checks/);
  }, 60_000);

  it("prints a table and a CSV of the same findings, and refuses a bad format or a missing tenant with what to fix", async () => {
    const table = await run("table", env());
    expect(table.out).toContain("admin-without-mfa");
    expect(table.out).toContain("Fix: ");
    const csv = await run("csv", env());
    expect(csv.out.split("\n")[0]).toBe(
      "check,severity,principalType,principalId,userPrincipalName,setting,detail,fix",
    );
    expect(await run("xml", env())).toMatchObject({
      code: 2,
      err: expect.stringContaining("--format must be table, json or csv"),
    });
    const { WARDEN_TENANT_ID: _omitted, ...noTenant } = env();
    expect(await run("json", noTenant)).toMatchObject({
      code: 2,
      err: expect.stringContaining("WARDEN_TENANT_ID is required"),
    });
  }, 90_000);
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { TestAdapter } from "botbuilder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WardenBot } from "../../src/bot/warden-bot.js";
import { detectCommand } from "../../src/cli/detect-command.js";
import { MAX_FIELD_CHARS } from "../../src/detect/normalise/fields.js";
import { AZURE_ROLE } from "../../src/detect/roles.js";
import type { ApproverCheck } from "../../src/respond/approvers.js";
import type { WorkflowDeps } from "../../src/respond/workflow.js";
import { roleAssignmentWrite } from "../../src/sim/records/arm-records.js";
import { inviteExternalUser } from "../../src/sim/records/graph-records.js";
import type { SimUser } from "../../src/sim/records/people.js";

/**
 * Issue 17, finding 10: a role-assignment scope of 150,000 slashes made `warden detect` take ~20 s,
 * because trimming trailing slashes with /\/+$/ backtracks over the whole run from every slash: quadratic
 * in a string whoever writes the log chooses. Each test below runs a crafted input through a real entry
 * point within a few seconds (the test's timeout is the failing signal: the quadratic code needed 20 s
 * and 6 s), and asserts what bounds the work for good: every field is cut at MAX_FIELD_CHARS where log
 * strings are read, and the record is still judged, not skipped.
 */

const TENANT = "6d2f8b1a-3c4e-4f5a-8b9c-0d1e2f3a4b5c";
const SUBSCRIPTION = "f5f943e8-1b2c-4d3e-8f4a-5b6c7d8e9f0a";
const guest: SimUser = {
  id: "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e",
  userPrincipalName: "mallory_evil.example#EXT#@contoso-lab.onmicrosoft.com",
  displayName: "Mallory",
  mail: "mallory@evil.example",
  userType: "Guest",
};
const admin: SimUser = {
  id: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
  userPrincipalName: "priya.raman@contoso-lab.onmicrosoft.com",
  displayName: "Priya Raman",
  userType: "Member",
};

/** An invited guest made Owner at a scope of the subscription, 150,000 slashes, then one more segment. */
function records(): unknown[] {
  const scope = `/subscriptions/${SUBSCRIPTION}${"/".repeat(150_000)}x`;
  return [
    inviteExternalUser(
      {
        id: "Directory_invite_1",
        time: "2026-11-02T11:10:00Z",
        actor: admin,
        correlationId: "c0ffee00-0000-4000-8000-000000000001",
      },
      guest,
    ),
    ...roleAssignmentWrite({
      tenant: { id: TENANT, domain: "contoso-lab.onmicrosoft.com" },
      subscriptionId: SUBSCRIPTION,
      caller: admin,
      callerIp: "203.0.113.140",
      time: "2026-11-02T11:25:00Z",
      correlationId: "c0ffee00-0000-4000-8000-000000000002",
      eventDataId: "e0e0e0e0-0000-4000-8000-00000000e0d0",
      assignmentId: "a5a5a5a5-0000-4000-8000-000000000005",
      scope,
      roleDefinitionId: AZURE_ROLE.owner,
      principalId: guest.id,
      principalType: "User",
    }),
  ];
}

/** A writable that keeps what was written, synchronously (the command's output is read right after it). */
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

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "warden-quadratic-"));
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

describe("super-linear work on log strings", () => {
  it("warden detect reads a 150 KB scope of slashes at once, judges the grant, and keeps at most the cap", {
    timeout: 5_000,
  }, async () => {
    const file = join(folder, "slashes.jsonl");
    const lines = records().map((r) => JSON.stringify(r));
    expect(lines.some((l) => l.length > 150_000)).toBe(true);
    await writeFile(file, `${lines.join("\n")}\n`);
    const stdout = collect();
    const stderr = collect();
    const code = await detectCommand(
      { input: file, tenant: TENANT },
      { stdout: stdout.stream, stderr: stderr.stream, stdinIsTty: false, env: {} },
    );
    expect(code, stderr.text()).toBe(0);
    const out = stdout
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = out.at(-1) as { summary?: { skipped?: number } };
    // Read and judged, not skipped: a padded record must not hide the grant it logs.
    expect(summary.summary?.skipped).toBe(0);
    const grant = out.find((f) => f["rule"] === "guest-azure-privileged-role");
    expect(grant, stderr.text()).toBeDefined();
    // The scope kept is the cap's worth of its start: every later parser saw bounded text. A cut path
    // can only read as broader, so it is judged at subscription scope.
    const said = String(grant?.["summary"]);
    expect(said).toContain(`at subscription scope /subscriptions/${SUBSCRIPTION}/`);
    expect(said.length).toBeLessThan(MAX_FIELD_CHARS + 300);
  });

  it("the bot strips 62,000 unclosed <at> mentions from a 248 KB chat message at once", {
    timeout: 3_000,
  }, async () => {
    const approvers = { check: async () => ({ ok: true as const }) } as unknown as ApproverCheck;
    const bot = new WardenBot({
      inventory: async () => ({ entries: [], gaps: [] }),
      posture: () => Promise.reject(new Error("this test asks for no posture")),
      // Stored nowhere: WardenBot remembers the conversation, so give it a store that takes anything.
      workflow: { db: { query: async () => ({ rows: [] }) } } as unknown as WorkflowDeps,
      queue: {} as never,
      approvers,
      tenantId: TENANT,
    });
    const adapter = new TestAdapter(async (context) => bot.run(context), {
      channelId: "msteams",
      conversation: {
        id: "a:chat",
        tenantId: TENANT,
        isGroup: false,
        conversationType: "personal",
        name: "",
      },
    } as never);
    await adapter.send({
      type: "message",
      text: `<at>Warden</at> help ${"<at>".repeat(62_000)}`,
      from: { id: "u", name: "u", aadObjectId: admin.id },
    } as never);
    const reply = adapter.activeQueue.shift();
    expect(reply?.text).toContain("Warden** answers");
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postureHandler } from "../../src/jobs/handlers/posture-handler.js";
import type { PostureChanges } from "../../src/posture/changes.js";
import type { PostureFinding, PostureReport } from "../../src/posture/types.js";
import type { Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { openPglite } from "../../src/store/pglite.js";
import { claimPosture, postureState } from "../../src/store/posture-repo.js";
import { quietLogger } from "../helpers/logs.js";

/**
 * The weekly posture card against the real store: posted when something changed and only then, the news
 * kept for the next run when the card cannot go out, and left to the run already posting it (its claim)
 * until that claim's lease ends. Teams is the `post` function here: what is under test is the handler.
 */

const TENANT = "7a7a7a7a-0000-4000-8000-00000000007a";
let db: Database;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "warden-posture-handler-"));
  db = await openPglite(dir);
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const door = (id: string): PostureFinding => ({
  check: "admin-without-mfa",
  severity: "critical",
  principal: { type: "user", id, userPrincipalName: `${id}@contoso.com` },
  setting: null,
  detail: `${id} has no MFA method registered.`,
  fix: "Register one.",
});
let clock = Date.parse("2026-12-07T08:00:00Z");
const report = (...ids: string[]): PostureReport => {
  clock += 60_000;
  const findings = ids.map(door);
  return {
    findings,
    summary: { checks: 9, findings: findings.length, unreadable: [] },
    at: new Date(clock).toISOString(),
  };
};

/** A Teams that takes every card, keeping what each said. */
function teams(): { posts: PostureChanges[]; take: (c: PostureChanges) => Promise<boolean> } {
  const posts: PostureChanges[] = [];
  return {
    posts,
    take: async (c) => {
      posts.push(c);
      return true;
    },
  };
}

function handler(read: () => PostureReport, post: (changes: PostureChanges) => Promise<boolean>) {
  return postureHandler({
    db,
    tenantId: TENANT,
    log: quietLogger("error"),
    run: async () => read(),
    post: async (_report, changes) => post(changes),
    now: () => clock,
  });
}

describe("the scheduled posture card", () => {
  it("posts the first report, then only what changed, and nothing when nothing did", async () => {
    const { posts, take } = teams();
    await handler(() => report("lee"), take)();
    expect(posts.map((c) => c.first)).toEqual([true]);
    await handler(() => report("lee"), take)();
    expect(posts).toHaveLength(1);
    await handler(() => report("lee", "raj"), take)();
    expect(posts[1]?.opened.map((f) => f.principal?.id)).toEqual(["raj"]);
    expect((await postureState(db, TENANT)).posted?.findings).toHaveLength(2);
  });

  it("keeps the news for the next run when the card cannot go out (no channel yet, or Teams failing)", async () => {
    const { posts, take } = teams();
    await handler(
      () => report("lee", "raj", "mia"),
      async () => false,
    )();
    await expect(
      handler(
        () => report("lee", "raj", "mia"),
        async () => {
          throw new Error("502 from the Bot Connector");
        },
      )(),
    ).rejects.toThrow("502");
    expect((await postureState(db, TENANT)).claim).toBeUndefined();
    await handler(() => report("lee", "raj", "mia"), take)();
    expect(posts[0]?.opened.map((f) => f.principal?.id)).toEqual(["mia"]);
  });

  it("leaves the news to the run whose claim is live, and claims again once that claim's lease ends", async () => {
    const { posts, take } = teams();
    // Another run claimed a card and has not settled it (posting, or crashed mid-post).
    await claimPosture(db, TENANT, report("lee", "raj", "mia", "sam"), clock);
    await handler(() => report("lee", "raj", "mia", "sam"), take)();
    expect(posts).toEqual([]);
    clock += 16 * 60_000;
    await handler(() => report("lee", "raj", "mia", "sam"), take)();
    expect(posts[0]?.opened.map((f) => f.principal?.id)).toEqual(["sam"]);
  });

  it("says nothing for a read older than the last card posted", async () => {
    const stale = report("lee");
    await handler(
      () => report("lee", "raj", "mia", "sam", "pat"),
      async () => true,
    )();
    const { posts, take } = teams();
    await handler(() => stale, take)();
    expect(posts).toEqual([]);
    expect((await postureState(db, TENANT)).posted?.findings).toHaveLength(5);
  });
});

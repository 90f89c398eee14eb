import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/detect/event.js";
import {
  conversationsOf,
  incidentCard,
  saveConversation,
  saveIncidentCard,
} from "../../src/store/conversations-repo.js";
import type { Database } from "../../src/store/database.js";
import { countEvents, deleteEventsBefore, eventsAfter, storeEvents } from "../../src/store/events-repo.js";
import { migrate } from "../../src/store/migrate.js";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.js";
import { advanceWatermark, readWatermark } from "../../src/store/watermarks-repo.js";
import { freshPglite, freshPostgres, postgresAvailable } from "../helpers/services.js";

const withPostgres = await postgresAvailable();

function event(id: string, minute: number, tenantId = "t1"): SecurityEvent {
  return {
    id,
    source: "entra-audit",
    shape: "graph-directory-audit",
    tenantId,
    time: Date.UTC(2026, 10, 2, 0, minute),
    operation: "Update user",
    succeeded: true,
    kind: "other",
  };
}

const drivers: [
  string,
  boolean,
  (migrations?: readonly Migration[]) => Promise<{ db: Database; drop: () => Promise<void> }>,
][] = [
  ["PostgreSQL", withPostgres, freshPostgres],
  ["PGlite", true, freshPglite],
];

for (const [name, available, open] of drivers) {
  describe.skipIf(!available)(`the store on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await open());
    });
    afterAll(async () => drop?.());

    it("applies migrations once, however often it starts", async () => {
      expect(await migrate(db)).toEqual([]);
      const { rows } = await db.query<{ id: number }>("SELECT id FROM schema_migrations ORDER BY id");
      expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("refuses a database a newer Warden migrated, saying how to roll back", async () => {
      // This version as if it knew migrations 1 to 5 only, on a database at 6.
      const older = MIGRATIONS.filter((m) => m.id < 6);
      await expect(migrate(db, older)).rejects.toThrow(
        /migrated by a newer Warden \(migration 6, .*this version knows up to 5\).*restore the backup/,
      );
      expect(await migrate(db)).toEqual([]);
    });

    it("keeps where the bot may post and which message shows each incident's card", async () => {
      const reference = { conversation: { id: "19:abc@thread.tacv2" }, serviceUrl: "https://smba.example/" };
      await saveConversation(db, {
        tenantId: "t1",
        conversationId: "19:abc@thread.tacv2",
        kind: "channel",
        reference,
      });
      await saveConversation(db, {
        tenantId: "t1",
        conversationId: "19:abc@thread.tacv2",
        kind: "channel",
        reference: { ...reference, serviceUrl: "https://smba2.example/" },
      });
      const stored = await conversationsOf(db, "t1", "channel");
      expect(stored).toHaveLength(1);
      expect(stored[0]?.reference["serviceUrl"]).toBe("https://smba2.example/");
      expect(await conversationsOf(db, "t1", "personal")).toEqual([]);
      await saveIncidentCard(db, {
        incidentId: "inc-1",
        conversationId: "19:abc@thread.tacv2",
        activityId: "1700000000000",
        cardVersion: 1,
      });
      await saveIncidentCard(db, {
        incidentId: "inc-1",
        conversationId: "19:abc@thread.tacv2",
        activityId: "1700000000000",
        cardVersion: 3,
      });
      expect(await incidentCard(db, "inc-1")).toEqual({
        conversationId: "19:abc@thread.tacv2",
        activityId: "1700000000000",
        cardVersion: 3,
      });
      expect(await incidentCard(db, "inc-2")).toBeUndefined();
    });

    it("stores an event once and says which events were new", async () => {
      const first = await storeEvents(db, [event("a", 1), event("b", 2)]);
      const again = await storeEvents(db, [event("b", 2), event("c", 3), event("c", 3)]);
      expect([...first].sort()).toEqual(["a", "b"]);
      expect([...again]).toEqual(["c"]);
      expect(await countEvents(db, "t1")).toBe(3);
      const stored = await eventsAfter(db, "t1", 0, 10);
      expect(stored.map((s) => s.event.id)).toEqual(["a", "b", "c"]);
      expect(stored[0]?.event).toEqual(event("a", 1));
    });

    it("keeps tenants apart: the same event id in two tenants is two events", async () => {
      await storeEvents(db, [event("a", 1, "t2")]);
      expect(await countEvents(db, "t2")).toBe(1);
    });

    it("stores an event whose id or text holds U+0000, as U+FFFD, instead of failing every poll of it", async () => {
      // Postgres text cannot hold U+0000; a record with one must not stop its source for good. A
      // backslash followed by "u0000" is text like any other and stays as it is, and so does a lone
      // surrogate (which jsonb, the column's type before, refused).
      const withNul = {
        ...event("nul\u0000id", 40, "t4"),
        operation: "Update\u0000user \\u0000 as typed \ud800",
      };
      expect([...(await storeEvents(db, [withNul]))]).toEqual(["nul\ufffdid"]);
      expect(await storeEvents(db, [withNul])).toEqual(new Set());
      const [stored] = await eventsAfter(db, "t4", 0, 10);
      expect(stored?.event).toEqual({
        ...withNul,
        id: "nul\ufffdid",
        operation: "Update\ufffduser \\u0000 as typed \ud800",
      });
    });

    it("moves a watermark only forward", async () => {
      expect(await readWatermark(db, "t1", "directoryAudits")).toBeUndefined();
      await advanceWatermark(db, "t1", "directoryAudits", "", new Date("2026-11-02T10:00:00Z"));
      await advanceWatermark(db, "t1", "directoryAudits", "", new Date("2026-11-02T09:00:00Z"));
      expect(await readWatermark(db, "t1", "directoryAudits")).toEqual(new Date("2026-11-02T10:00:00Z"));
    });

    it("deletes events older than the retention, and only those", async () => {
      // A year before every other event of this file: the retention is global, as it is in production.
      await storeEvents(db, [event("old", -365 * 24 * 60, "t3"), event("new", 30, "t3")]);
      const deleted = await deleteEventsBefore(db, new Date(Date.UTC(2026, 0, 1)));
      expect(deleted).toBe(1);
      expect((await eventsAfter(db, "t3", 0, 10)).map((s) => s.event.id)).toEqual(["new"]);
    });

    it("still knows the events stored before their key became a digest (migration 4)", async () => {
      const before = await open(MIGRATIONS.filter((m) => m.id < 4));
      try {
        await storeEvents(before.db, [event("old-1", 1), event("old-2", 2), event("old-1", 3, "t2")]);
        expect(await migrate(before.db)).toEqual([4, 5, 6, 7, 8]);
        const again = await storeEvents(before.db, [
          event("old-2", 2),
          event("old-1", 1, "t2"),
          event("new", 4),
        ]);
        expect([...again]).toEqual(["new"]);
        const stored = await eventsAfter(before.db, "t1", 0, 10);
        expect(stored.map((s) => s.event.id)).toEqual(["old-1", "old-2", "new"]);
        expect(stored.slice(0, 2).map((s) => s.seq)).toEqual([1, 2]);
      } finally {
        await before.drop();
      }
    });

    it("gives events sequence numbers in commit order under concurrent inserts", async () => {
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) => event(`p${b}-${i}`, 10 + b)),
      );
      await Promise.all(batches.map((batch) => storeEvents(db, batch)));
      const stored = await eventsAfter(db, "t1", 0, 10_000);
      const seqs = stored.map((s) => s.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(stored.length).toBe(3 + 400);
    });
  });
}

describe.skipIf(!withPostgres)("the PostgreSQL pool", () => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshPostgres());
  });
  afterAll(async () => drop?.());

  it("fails a transaction whose connection is lost between statements, and the process carries on", async () => {
    // Postgres restarting while a transaction waits between statements (a worker busy elsewhere): the
    // lost connection must fail that transaction, not crash the process with an unhandled 'error'.
    let terminated!: () => void;
    const done = new Promise<void>((resolve) => {
      terminated = resolve;
    });
    const failed = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await db.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
      await done;
      await tx.query("SELECT 1");
    });
    // Long enough for the server's goodbye to reach the client and be emitted as an error.
    await new Promise((resolve) => setTimeout(resolve, 500));
    terminated();
    await expect(failed).rejects.toThrow(/terminat|Connection/i);
    const { rows } = await db.query<{ one: number }>("SELECT 1 AS one");
    expect(rows[0]?.one).toBe(1);
  });
});

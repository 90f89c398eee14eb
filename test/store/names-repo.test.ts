import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import type { Migration } from "../../src/store/migrations.js";
import { displayNames, NAME_MAX_CHARS, saveDisplayNames } from "../../src/store/names-repo.js";
import { freshPglite, freshPostgres, postgresAvailable } from "../helpers/services.js";

/**
 * The names cards show for a tenant and its subscriptions: kept by lowercase id, each tenant's apart,
 * attacker-written text kept as written but without controls and no longer than the cap, and a name once
 * known never replaced by an empty one or by an older read. On both stores Warden runs on.
 */

const withPostgres = await postgresAvailable();

const TENANT = "A1B2C3D4-0000-4000-8000-00000000000A";
const OTHER_TENANT = "b1b2c3d4-0000-4000-8000-00000000000b";
const SUB = "5E5E5E5E-1111-4111-8111-111111111111";
const SUB_LOWER = SUB.toLowerCase();
const AT = Date.parse("2026-12-01T10:00:00Z");

const drivers: [
  string,
  boolean,
  (migrations?: readonly Migration[]) => Promise<{ db: Database; drop: () => Promise<void> }>,
][] = [
  ["PostgreSQL", withPostgres, freshPostgres],
  ["PGlite", true, freshPglite],
];

for (const [driver, available, open] of drivers) {
  describe.skipIf(!available)(`display names on ${driver}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await open());
    });
    afterAll(async () => drop?.());

    it("are kept and read by lowercase id, whatever case either side uses, each tenant's apart", async () => {
      await saveDisplayNames(
        db,
        TENANT,
        [
          { id: TENANT, kind: "tenant", name: "Contoso Lab" },
          { id: SUB, kind: "subscription", name: "Production" },
        ],
        AT,
      );
      await saveDisplayNames(db, OTHER_TENANT, [{ id: SUB, kind: "subscription", name: "Theirs" }], AT);
      const names = await displayNames(db, TENANT.toLowerCase(), [TENANT, SUB_LOWER, "unknown-id"]);
      expect(names).toEqual(
        new Map([
          [TENANT.toLowerCase(), "Contoso Lab"],
          [SUB_LOWER, "Production"],
        ]),
      );
      expect(await displayNames(db, OTHER_TENANT, [SUB])).toEqual(new Map([[SUB_LOWER, "Theirs"]]));
      expect(await displayNames(db, TENANT, [])).toEqual(new Map());
      const { rows } = await db.query<{ tenant_id: string; object_id: string; kind: string }>(
        "SELECT tenant_id, object_id, kind FROM display_names WHERE tenant_id = $1 ORDER BY kind",
        [TENANT.toLowerCase()],
      );
      expect(rows).toEqual([
        { tenant_id: TENANT.toLowerCase(), object_id: SUB_LOWER, kind: "subscription" },
        { tenant_id: TENANT.toLowerCase(), object_id: TENANT.toLowerCase(), kind: "tenant" },
      ]);
    });

    it("take a newer name, and never an empty one or an older read's", async () => {
      await saveDisplayNames(db, TENANT, [{ id: SUB, kind: "subscription", name: "Renamed" }], AT + 1_000);
      // A listing that gave no name, or a name of nothing but controls and spaces: the known one stays.
      await saveDisplayNames(
        db,
        TENANT,
        [
          { id: SUB, kind: "subscription", name: "" },
          { id: TENANT, kind: "tenant", name: " \u0000\u202E\n " },
        ],
        AT + 2_000,
      );
      // A retried discovery's older read.
      await saveDisplayNames(db, TENANT, [{ id: SUB, kind: "subscription", name: "Stale" }], AT);
      expect(await displayNames(db, TENANT, [SUB, TENANT])).toEqual(
        new Map([
          [SUB_LOWER, "Renamed"],
          [TENANT.toLowerCase(), "Contoso Lab"],
        ]),
      );
      // An empty name for an id never named stores nothing: the id stays unknown.
      await saveDisplayNames(db, TENANT, [{ id: "new-sub", kind: "subscription", name: "" }], AT);
      expect((await displayNames(db, TENANT, ["new-sub"])).size).toBe(0);
    });

    it("keep an attacker's name as written, without its controls, cut at the cap", async () => {
      const hostile = "Pay\u0007roll\r\n**[click](https://evil.example)**\u202Egnp.exe\u0085\u0000 ok";
      await saveDisplayNames(db, TENANT, [{ id: "sub-hostile", kind: "subscription", name: hostile }], AT);
      expect((await displayNames(db, TENANT, ["sub-hostile"])).get("sub-hostile")).toBe(
        "Payroll**[click](https://evil.example)**gnp.exe ok",
      );
      // Code points, not UTF-16 units: the last emoji is kept whole or not at all.
      const long = `${"x".repeat(NAME_MAX_CHARS - 1)}😀😀tail`;
      await saveDisplayNames(db, TENANT, [{ id: "sub-long", kind: "subscription", name: long }], AT);
      const kept = (await displayNames(db, TENANT, ["sub-long"])).get("sub-long") ?? "";
      expect(Array.from(kept)).toHaveLength(NAME_MAX_CHARS);
      expect(kept).toBe(`${"x".repeat(NAME_MAX_CHARS - 1)}😀`);
      expect(NAME_MAX_CHARS).toBe(256);
    });

    it("take the last of one id given twice in one save", async () => {
      await saveDisplayNames(
        db,
        TENANT,
        [
          { id: "sub-twice", kind: "subscription", name: "First" },
          { id: "SUB-TWICE", kind: "subscription", name: "Second" },
        ],
        AT,
      );
      expect(await displayNames(db, TENANT, ["sub-twice"])).toEqual(new Map([["sub-twice", "Second"]]));
    });
  });
}

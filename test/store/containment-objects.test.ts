import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishAction, recordPlannedActions } from "../../src/store/actions-repo.js";
import { containmentObjectsOf, keepObject } from "../../src/store/containment-objects-repo.js";
import type { Database } from "../../src/store/database.js";
import { freshPglite } from "../helpers/services.js";

/**
 * What live detection is told of Warden's containment objects: every group and policy Warden created in
 * the tenant, including one it has since replaced (its deletion may be read after the replacement was
 * made), and none of another tenant's.
 */

const TENANT = "t-contained";
const OLD_GROUP = "aaaaaaaa-0000-4000-8000-00000000000a";
const NEW_GROUP = "bbbbbbbb-0000-4000-8000-00000000000b";
const POLICY = "cccccccc-0000-4000-8000-00000000000c";
const BLOCK_GROUP = "dddddddd-0000-4000-8000-00000000000d";

describe("the containment objects detection reads", () => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshPglite());
  });
  afterAll(async () => drop?.());

  it("are the kept ones and those earlier actions created, by control, each once", async () => {
    // An action made the first MFA group (as every version records what it created); it was deleted and
    // Warden made a new one, the one kept now, with the policy.
    await recordPlannedActions(db, [
      {
        id: "a1",
        tenantId: TENANT,
        incidentId: "i1",
        action: "require-mfa",
        target: {},
        state: "planned",
        plan: {},
      },
      {
        id: "a2",
        tenantId: TENANT,
        incidentId: "i2",
        action: "require-mfa",
        target: {},
        state: "planned",
        plan: {},
      },
    ]);
    await finishAction(db, "a1", { state: "done", outcome: "ok", changed: { createdGroupId: OLD_GROUP } });
    await finishAction(db, "a2", {
      state: "done",
      outcome: "ok",
      changed: { createdGroupId: NEW_GROUP, createdPolicyId: POLICY, replacedDeletedGroupId: OLD_GROUP },
    });
    await keepObject(db, TENANT, "mfa", "group", NEW_GROUP, Date.now());
    await keepObject(db, TENANT, "mfa", "policy", POLICY, Date.now());
    await keepObject(db, TENANT, "block", "group", BLOCK_GROUP, Date.now());
    await keepObject(
      db,
      "another-tenant",
      "mfa",
      "group",
      "eeeeeeee-0000-4000-8000-00000000000e",
      Date.now(),
    );

    const objects = await containmentObjectsOf(db, TENANT);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(objects.sort(byId)).toEqual([
      { id: OLD_GROUP, what: "group", control: "mfa" },
      { id: NEW_GROUP, what: "group", control: "mfa" },
      { id: POLICY, what: "policy", control: "mfa" },
      { id: BLOCK_GROUP, what: "group", control: "block" },
    ]);
  });
});

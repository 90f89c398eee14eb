import { describe, expect, it } from "vitest";
import { approvable, offers, WITHDRAWN_BY_UNDO } from "../../src/respond/lifecycle.js";

/** Which decisions each state offers, and what approving runs in it (respond/lifecycle.ts). */
describe("the incident lifecycle", () => {
  it("approves while pending, late once denied or expired, and again after an undo; denies only while pending", () => {
    for (const state of ["pending", "denied", "expired", "reverted"] as const)
      expect(offers("approve", state)).toBe(true);
    for (const state of ["open", "approved", "executing", "contained", "merged"] as const)
      expect(offers("approve", state)).toBe(false);
    expect(offers("deny", "pending")).toBe(true);
    for (const state of ["denied", "expired", "reverted"] as const) expect(offers("deny", state)).toBe(false);
  });

  it("contains again everything an undo gave back or left undone, and nothing a person chose to leave out", () => {
    expect(approvable("reverted", { state: "undone" })).toBe(true);
    expect(approvable("reverted", { state: "failed", outcome: "failed: Not found" })).toBe(true);
    expect(
      approvable("reverted", { state: "skipped", outcome: `${WITHDRAWN_BY_UNDO}: no longer asked` }),
    ).toBe(true);
    expect(approvable("reverted", { state: "skipped", outcome: "not selected by SOC Analyst" })).toBe(false);
    expect(approvable("reverted", { state: "skipped", outcome: "skipped: the account is protected" })).toBe(
      false,
    );
    expect(approvable("reverted", { state: "planned" })).toBe(false);
    expect(approvable("pending", { state: "planned" })).toBe(true);
    expect(approvable("denied", { state: "undone" })).toBe(false);
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { actionsOf } from "../../src/store/actions-repo.js";
import { administratorTakesAskedSteps } from "../helpers/administrator.js";
import { attack, type Run, start, stop, waitForStates } from "../helpers/containment-run.js";

/** Automatic containment: every scenario contained without a click when the policy's threshold is met. */

describe("automatic containment", () => {
  let run: Run | undefined;
  afterAll(() => stop(run));

  it("contains every scenario without a click when the policy's threshold is met", async () => {
    run = await start(63, {
      WARDEN_AUTO_CONTAIN: "on",
      WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
      WARDEN_AUTO_SEVERITIES: "medium,high,critical",
    });
    const r = run;
    // Blocking transfers is left to a Global Administrator (Microsoft refuses it to apps): until one does
    // it, the hijack is only partly contained, automatic or not.
    await waitForStates(r, ["auto-contained", "partial"], "every automatic action run");
    const admin = r.played.day.breakGlass[0]?.id ?? "";
    expect(await administratorTakesAskedSteps(r.warden.db, r.played.sim.directory, admin)).toBe(1);
    const incidents = await waitForStates(r, ["auto-contained"], "every incident contained automatically");
    expect(incidents.every((i) => i.state === "auto-contained")).toBe(true);
    const directory = r.played.sim.directory;
    expect(directory.users.get(attack(r, "hijack").subjectId)?.accountEnabled).toBe(false);
    expect(directory.policy.blockSubscriptionsLeavingTenant).toBe(true);
    const actions = (await Promise.all(incidents.map((i) => actionsOf(r.warden.db, i.id)))).flat();
    expect(actions.filter((a) => a.state === "done").every((a) => a.automatic && a.approvedBy === null)).toBe(
      true,
    );
  }, 120_000);
});

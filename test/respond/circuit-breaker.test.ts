import { afterAll, describe, expect, it } from "vitest";
import { auditTrail } from "../../src/store/incidents-repo.js";
import { type Run, start, stop, waitForStates } from "../helpers/containment-run.js";

/** Automatic containment's circuit breaker: past the hourly cap, incidents wait for approval. */

describe("the circuit breaker of automatic containment", () => {
  let run: Run | undefined;
  afterAll(() => stop(run));

  it("stops at the circuit breaker: past the hourly cap, incidents wait for approval and say why", async () => {
    run = await start(64, {
      WARDEN_AUTO_CONTAIN: "on",
      WARDEN_AUTO_MIN_CONFIDENCE: "0.5",
      WARDEN_AUTO_SEVERITIES: "medium,high,critical",
      WARDEN_AUTO_MAX_ACTIONS_PER_HOUR: "4",
    });
    const r = run;
    const incidents = await waitForStates(r, ["auto-contained", "pending"], "every incident decided");
    const waiting = incidents.filter((i) => i.state === "pending");
    expect(waiting.length).toBeGreaterThan(0);
    const { rows } = await r.warden.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM actions WHERE automatic AND executed_at IS NOT NULL",
    );
    expect(Number(rows[0]?.n)).toBeLessThanOrEqual(4);
    const trail = await auditTrail(r.warden.db, waiting[0]?.id ?? "");
    expect(JSON.stringify(trail)).toContain("circuit breaker");
  }, 120_000);
});

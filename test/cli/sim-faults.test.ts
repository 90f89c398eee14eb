import { describe, expect, it } from "vitest";
import { parseFaultOptions } from "../../src/cli/sim-faults.js";
import { FaultInjector } from "../../src/sim/cloud/faults.js";

/** `warden sim`'s fault options: what each asks the simulator to do, and a clear refusal of bad input. */

describe("warden sim fault options", () => {
  const now = 1_000_000;

  it("turns each option into the simulator's fault plan", () => {
    expect(
      parseFaultOptions(
        { throttle: "0.5:60", errors: "0.1:30:500", drop: "0.05:10", hang: "0.02:5", latency: "250" },
        now,
      ),
    ).toEqual({
      throttle: { fraction: 0.5, until: now + 60_000, retryAfterSeconds: 2 },
      unavailable: { fraction: 0.1, until: now + 30_000, status: 500 },
      drop: { fraction: 0.05, until: now + 10_000 },
      hang: { fraction: 0.02, until: now + 5_000 },
      latencyMs: 250,
    });
    expect(parseFaultOptions({ throttle: "1:5:none" }, now)).toEqual({
      throttle: { fraction: 1, until: now + 5_000 },
    });
    expect(parseFaultOptions({ errors: "0.2:5" }, now)).toEqual({
      unavailable: { fraction: 0.2, until: now + 5_000, status: 503 },
    });
  });

  it("refuses malformed values with a message that names the option and the form", () => {
    expect(parseFaultOptions({ throttle: "half" }, now)).toMatch(/^--throttle takes FRACTION:SECONDS/);
    expect(parseFaultOptions({ errors: "0.5:10:502" }, now)).toMatch(/500 or 503/);
    expect(parseFaultOptions({ drop: "2:10" }, now)).toMatch(/^--drop takes/);
    expect(parseFaultOptions({ hang: "0.5" }, now)).toMatch(/^--hang takes/);
    expect(parseFaultOptions({ latency: "-1" }, now)).toMatch(/milliseconds/);
  });

  it("the plan's errors are answered with the chosen status, spread evenly over requests", () => {
    const faults = new FaultInjector();
    const plan = parseFaultOptions({ errors: "0.5:60:500" }, now);
    if (typeof plan === "string") throw new Error(plan);
    faults.plan = plan;
    const answers = Array.from(
      { length: 10 },
      () => faults.decide("GET /v1.0/users", now + 1)?.status ?? 200,
    );
    expect(answers.filter((s) => s === 500)).toHaveLength(5);
    expect(answers.filter((s) => s === 200)).toHaveLength(5);
  });
});

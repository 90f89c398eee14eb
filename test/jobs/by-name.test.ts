import { describe, expect, it } from "vitest";
import { byName } from "../../src/jobs/by-name.js";
import { type Job, PermanentError } from "../../src/jobs/queue/job-queue.js";
import { capturedLogs } from "../helpers/logs.js";

/** A queue's handlers by job name: a name it does not serve is refused, said, and never retried. */

const job = (name: string): Job => ({ id: "1", name, data: { tenantId: "t" }, attempt: 1 });

describe("jobs routed by name", () => {
  it("runs the handler of the job's name, and refuses any other name", async () => {
    const ran: string[] = [];
    const { log, lines } = capturedLogs();
    const route = byName("warden-triage", { triage: async (j) => void ran.push(j.name) }, log);
    await route(job("triage"));
    expect(ran).toEqual(["triage"]);
    await expect(route(job("contain"))).rejects.toBeInstanceOf(PermanentError);
    await expect(route(job("constructor"))).rejects.toBeInstanceOf(PermanentError);
    expect(ran).toEqual(["triage"]);
    const refusals = lines.filter((l) => l["security"] === true);
    expect(refusals.map((l) => l["job"])).toEqual(["contain", "constructor"]);
    expect(String(refusals[0]?.["msg"])).toContain("the warden-triage queue serves triage");
  });

  it("gives each job a logger whose lines say which job, tenant and incident, ids only", async () => {
    const { log, lines } = capturedLogs();
    const route = byName(
      "warden-contain",
      { contain: async (_job, context) => context.log.info({ state: "executing" }, "contained") },
      log,
    );
    await route({ id: "42", name: "contain", data: { tenantId: "t-1", incidentId: "inc-9" }, attempt: 1 });
    // A hand-written job's "id" of a megabyte is not an id: it does not reach the log.
    await route({ id: "43", name: "contain", data: { incidentId: "x".repeat(10_000) }, attempt: 1 });
    const said = lines.filter((l) => l["msg"] === "contained");
    expect(said[0]).toMatchObject({
      queue: "warden-contain",
      job: "contain",
      jobId: "42",
      tenantId: "t-1",
      incidentId: "inc-9",
      state: "executing",
    });
    expect(said[1]).toMatchObject({ jobId: "43" });
    expect(said[1]).not.toHaveProperty("incidentId");
  });
});

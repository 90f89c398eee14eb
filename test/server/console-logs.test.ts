import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { consoleThroughLogger, createLogger } from "../../src/log.js";

/**
 * Issue 24: botbuilder writes every failed request's error and stack with console.error, over many lines,
 * in the middle of Warden's JSON-lines log. Through the logger, each becomes one JSON line.
 */
describe("the console of a Warden process", () => {
  it("writes one JSON line per call, an error's stack inside it", () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (chunk: Buffer) =>
      lines.push(
        ...chunk
          .toString()
          .split("\n")
          .filter((l) => l !== ""),
      ),
    );
    const runnersOwn = console.error;
    const restore = consoleThroughLogger(createLogger({ destination: out }));
    expect(console.error).not.toBe(runnersOwn);
    try {
      console.error(new Error("Unauthorized. Invalid AppId passed on token"));
      console.warn("BadRequest: Missing activity or activity type.");
      console.log({ odd: "object" }, 3);
      // An HTTP client's error carries its request: its headers never reach the log.
      console.error(
        Object.assign(new Error("Request failed with status code 401"), {
          config: { headers: { Authorization: "Bearer never-in-a-log" } },
        }),
      );
    } finally {
      restore();
    }
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(4);
    expect(lines.join("\n")).not.toContain("never-in-a-log");
    expect(parsed[0]).toMatchObject({
      level: 50,
      source: "console",
      msg: "Unauthorized. Invalid AppId passed on token",
      err: { message: "Unauthorized. Invalid AppId passed on token", stack: expect.stringContaining("\n") },
    });
    expect(parsed[1]).toMatchObject({ level: 40, msg: "BadRequest: Missing activity or activity type." });
    expect(parsed[2]).toMatchObject({ level: 30, msg: '{"odd":"object"} 3' });
    // Put back: the test runner's own console is untouched afterwards.
    expect(console.error).toBe(runnersOwn);
  });
});

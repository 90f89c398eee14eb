import { describe, expect, it } from "vitest";
import { AUDIT_ACTIVITIES_READ, activityKey } from "../../src/detect/normalise/directory-audit.js";
import { POLICY_AND_GROUP_ACTIVITIES } from "../../src/detect/normalise/group-and-policy.js";
import { loadSeedQueries } from "../../src/hunting/seed-queries.js";

/**
 * Hunting mode reads Entra's changes only through the seed query: an activity a rule reads that the query
 * does not ask for is never seen live. Each one left out is left out on purpose, for the reason given.
 */
const LEFT_OUT: Readonly<Record<string, string>> = {
  // Read from the Activity Log's Microsoft.Authorization/elevateAccess/action, which hunting mode reads
  // through the azure-activity query and each subscription's log.
  "user has elevated their access to user access administrator for their azure resources":
    "read from the Activity Log",
  // CloudAppEvents names an app acting as an account, with no way to tell Warden's service principal
  // from a user, so Warden's own containment would read as tampering (docs/detections.md, blind spot).
  ...Object.fromEntries(
    [...POLICY_AND_GROUP_ACTIVITIES].map((a) => [a, "Warden's own changes unrecognisable"]),
  ),
};

describe("the seed hunting query for Entra changes", () => {
  it("asks for every audit activity the rules read, but those left out on purpose", () => {
    const query = loadSeedQueries().find((q) => q.name === "entra-directory-changes");
    const list = (query?.text ?? "").split("\n").find((line) => /ActionType\s+in~/.test(line)) ?? "";
    const asked = new Set([...list.matchAll(/"([^"]+)"/g)].map((m) => activityKey(m[1] ?? "")));
    const missing = [...AUDIT_ACTIVITIES_READ].filter((a) => !asked.has(a) && LEFT_OUT[a] === undefined);
    expect(missing).toEqual([]);
    expect(asked.size).toBeGreaterThan(8);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { homeAddress, isExternalUpn } from "../../src/detect/identity.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { parseTime } from "../../src/detect/normalise/time.js";
import { at, type Json, sample } from "../helpers/samples.js";

const context = { tenantId: "11111111-2222-4333-8444-555555555555" };

function normalised(record: unknown) {
  const result = normaliseRecord(record, context);
  if (!result.ok) throw new Error(`expected a SecurityEvent, got: ${result.reason}`);
  return result.event;
}

describe("recognising a record's shape from its own fields", () => {
  it("reads the captured ARM role assignment: principal, role, scope and caller from the claims", () => {
    const event = normalised(sample.roleAssignmentWrite());
    expect(event).toMatchObject({
      kind: "azure-role-assigned",
      shape: "arm-event-data",
      source: "azure-activity",
      tenantId: "d2af6ef7-a00c-438f-903b-65592cfddc48",
      operation: "Microsoft.Authorization/roleAssignments/write",
      subject: { type: "servicePrincipal", id: "8c907101-5831-45a1-b703-8a59f190e639" },
      roleDefinitionId: "eeaeda52-9324-47f6-8069-5d5bade478b2",
      scope: "/subscriptions/a921d5d4-bdb7-43c3-aa01-88c6ae24992f",
      subscriptionId: "a921d5d4-bdb7-43c3-aa01-88c6ae24992f",
      actor: {
        type: "user",
        id: "30a6c29d-de7c-4830-815f-9b3bb366e975",
        userPrincipalName: "attacker@securathesis.onmicrosoft.com",
      },
    });
    expect(event.time).toBe(Date.parse("2022-06-27T10:07:27.343Z"));
    // "<Redacted>" in the ipaddr claim is not an address.
    expect(event.actor?.ipAddress).toBeUndefined();
  });

  it("gives both halves of one ARM operation the same event id", () => {
    const begin = sample.vmWrite();
    const end = sample.vmWrite();
    begin["eventDataId"] = "another-record";
    begin["status"] = { value: "Started" };
    expect(normalised(begin).id).toBe(normalised(end).id);
  });

  it("compares operation names case-insensitively, as Log Analytics writes them upper-case", () => {
    const upper = sample.vmWrite();
    upper["operationName"] = { value: "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE" };
    expect(normalised(upper).kind).toBe("vm-created");
  });

  it("reads the Graph docs' directoryAudit, including its capitalised 'Type' keys", () => {
    const [docs, pim] = sample.directoryAudits();
    // The group first, its new member second, each named by a capitalised "Type".
    expect(normalised(docs)).toMatchObject({
      kind: "group-changed",
      change: "member-added",
      shape: "graph-directory-audit",
      operation: "Add member to group",
      groupId: "ef7e527d-6c92-4234-8c6d-cf6fdfb57f95",
      member: {
        type: "user",
        id: "1f0e98f5-3161-4c6b-9b50-d488572f2bb7",
        userPrincipalName: "bob@contoso.com",
      },
    });
    expect(normalised(pim)).toMatchObject({
      kind: "other",
      actor: { type: "servicePrincipal", displayName: "MS-PIM" },
    });
  });

  it("reads each Entra diagnostic-settings record under its properties, with the tenant of the export", () => {
    expect(normalised(sample.diagnostic("invite_external_user"))).toMatchObject({
      kind: "user-invited",
      shape: "entra-diagnostic-audit",
      tenantId: "123456789",
      subject: { external: true, mail: "kratos@climbingolympusrn.com" },
    });
    const signIn = normalised(sample.diagnostic("high_risk_signin"));
    expect(signIn).toMatchObject({
      kind: "sign-in",
      shape: "entra-diagnostic-sign-in",
      succeeded: true,
      riskAggregated: "none",
      riskDuringSignIn: "high",
      riskEventTypes: ["unfamiliarFeatures", "anonymizedIPAddress"],
      // Where Entra placed the address: the card shows it beside the IP.
      country: "RU",
      city: "Moscow",
    });
    // "2025-01-15T14:23:10.1234567Z": seven fractional digits, read to the millisecond.
    expect(signIn.time).toBe(Date.UTC(2025, 0, 15, 14, 23, 10, 123));
  });

  it("explains why a record was skipped", () => {
    expect(normaliseRecord([1, 2], context)).toEqual({ ok: false, reason: "not a JSON object" });
    expect(normaliseRecord({ hello: "world" }, context)).toEqual({
      ok: false,
      reason: "fits no known log shape",
    });
    const noTime = sample.vmWrite();
    delete noTime["eventTimestamp"];
    noTime["time"] = "x";
    expect(
      normaliseRecord({ activityDisplayName: "Add user", activityDateTime: "yesterday" }, context),
    ).toEqual({
      ok: false,
      reason: "looks like a Graph directoryAudit but lacks its id or time",
    });
  });

  it("does not mistake an export's metadata for a record", () => {
    const record = sample.diagnostic("add_member_to_role_pim_logged");
    expect((at(record, "properties") as Json)["loggedByService"]).toBe("PIM");
    expect(normalised(record)).toMatchObject({ kind: "directory-role-added", eligible: false });
  });
});

describe("times and identities", () => {
  it("reads every way Microsoft writes a time as UTC", () => {
    expect(parseTime("2024-09-23 14:33:09.049661100")).toBe(Date.UTC(2024, 8, 23, 14, 33, 9, 49));
    expect(parseTime("2024-01-01T10:00:00")).toBe(Date.UTC(2024, 0, 1, 10, 0, 0));
    expect(parseTime("2024-01-01T10:00:00+02:00")).toBe(Date.UTC(2024, 0, 1, 8, 0, 0));
    expect(parseTime("2024-01-01T10:00:00.5Z")).toBe(Date.UTC(2024, 0, 1, 10, 0, 0, 500));
    expect(parseTime("01/01/2024")).toBeUndefined();
    expect(parseTime(1704103200000)).toBeUndefined();
  });

  it("treats #EXT# users as external whatever their userType, and finds their home address", () => {
    expect(isExternalUpn("alice_contoso.com#EXT#@fabrikam.onmicrosoft.com")).toBe(true);
    expect(isExternalUpn("alice@fabrikam.com")).toBe(false);
    expect(homeAddress("first_last_contoso.co.uk#EXT#@fabrikam.onmicrosoft.com")).toBe(
      "first_last@contoso.co.uk",
    );
    // Two markers is no UPN Entra makes: it must not pass for the address before the first one.
    expect(homeAddress("ceo_contoso.com#EXT#_evil.net#EXT#@fabrikam.onmicrosoft.com")).toBeUndefined();
  });
});

describe("hostile and broken records (property-based)", () => {
  const samples: Json[] = [
    sample.roleAssignmentWrite(),
    sample.vmWrite(),
    sample.resourceGroupWrite(),
    sample.subscriptionCreated(),
    ...sample.directoryAudits(),
    sample.diagnostic("invite_external_user"),
    sample.diagnostic("add_member_to_role_pim_logged"),
    sample.diagnostic("high_risk_signin"),
  ];

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = normaliseRecord(value, context);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 2_000 },
    );
  });

  it("never throws when any field of a real record is replaced by anything", () => {
    const paths = samples.flatMap((record, index) => leafPaths(record).map((path) => [index, path] as const));
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything(), ([index, path], value) => {
        const record = structuredClone(samples[index]) as Json;
        replaceAt(record, path, value);
        const result = normaliseRecord(record, context);
        if (result.ok) expect(Number.isFinite(result.event.time)).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it("never throws on real records truncated anywhere and parsed as far as they go", () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.double({ min: 0, max: 1, noNaN: true }), (record, cut) => {
        const text = JSON.stringify(record);
        const truncated = text.slice(0, Math.floor(text.length * cut));
        let value: unknown = truncated;
        try {
          value = JSON.parse(truncated);
        } catch {
          // a truncated document is a string to the normaliser: it must say so, not throw
        }
        expect(normaliseRecord(value, context).ok).toBeTypeOf("boolean");
      }),
      { numRuns: 1_000 },
    );
  });

  it("ignores injection strings in every field instead of interpreting them", () => {
    const hostile = [
      "__proto__",
      "constructor",
      "'; DROP TABLE events;--",
      "<script>alert(1)</script>",
      "\u202e#EXT#",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, meant as plain text
      "${jndi:ldap://x}",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.constantFrom(...hostile), (record, text) => {
        const copy = structuredClone(record);
        for (const path of leafPaths(copy))
          if (typeof getAt(copy, path) === "string") replaceAt(copy, path, text);
        const result = normaliseRecord(copy, context);
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});

function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))].filter((p) => p.length > 0);
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of path) node = (node as Record<string | number, unknown>)?.[key];
  return node;
}

function replaceAt(root: Json, path: (string | number)[], value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1) as string | number] = value;
}

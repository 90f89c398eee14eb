import { describe, expect, it } from "vitest";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { parseTime } from "../../src/detect/normalise/time.js";

/**
 * Issue 19, point 4: one unparseable timestamp must not drop a record. Real exports carry an hour with no
 * leading zero and US-style times; a record is skipped only when no usable time is left.
 */

describe("timestamps as real exports write them", () => {
  it("reads an hour, minute or second without its leading zero, and the US form with AM/PM", () => {
    expect(parseTime("2022-09-09T8:48:50.361Z")).toBe(Date.UTC(2022, 8, 9, 8, 48, 50, 361));
    expect(parseTime("2022-09-09T08:4:5Z")).toBe(Date.UTC(2022, 8, 9, 8, 4, 5));
    expect(parseTime("8/22/2022 6:07:16 PM")).toBe(Date.UTC(2022, 7, 22, 18, 7, 16));
    expect(parseTime("8/22/2022 12:07:16 AM")).toBe(Date.UTC(2022, 7, 22, 0, 7, 16));
    expect(parseTime("8/22/2022 12:07:16 PM")).toBe(Date.UTC(2022, 7, 22, 12, 7, 16));
    // Windows PowerShell 5.1's ConvertTo-Json.
    expect(parseTime("/Date(1662713330361)/")).toBe(1662713330361);
  });

  it("refuses what is not a time rather than roll it over into another day", () => {
    for (const text of [
      "2022-13-09T08:48:50Z",
      "2022-02-30T08:48:50Z",
      "2022-09-09T25:00:00Z",
      "13/22/2022 6:07:16 PM",
      "8/22/2022 13:07:16 PM",
      "yesterday",
      "05/03/2024 13:00:00",
      "2022-09-09T08:48:50+99:99",
      "0001-01-01T00:00:00Z",
      "0001-01-01T00:00:00",
    ])
      expect(parseTime(text), text).toBeUndefined();
  });
});

describe("a risk detection whose detected time does not parse", () => {
  // The shape of Elastic's Event Hub UserRiskEvents test record (elastic/integrations, azure package,
  // identity_protection pipeline test): a high-risk password spray whose detectedDateTime has a one-digit
  // hour, with a well-formed activityDateTime beside it.
  const record = (detected: string, activity: string | undefined) => ({
    time: "9/9/2022 8:49:12 AM",
    operationName: "User Risk Detection",
    category: "UserRiskEvents",
    tenantId: "5611623b-9128-461e-9d7f-a0d9c270ead2",
    resultSignature: "None",
    callerIpAddress: "81.2.69.142",
    properties: {
      id: "8b9ad1f0e5e6c9f4a0b3d6c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2",
      riskEventType: "passwordSpray",
      riskState: "atRisk",
      riskLevel: "high",
      riskDetail: "none",
      source: "IdentityProtection",
      detectionTimingType: "offline",
      activity: "signin",
      ipAddress: "81.2.69.142",
      ...(activity === undefined ? {} : { activityDateTime: activity }),
      detectedDateTime: detected,
      userId: "51e26eae-d07b-44e5-bb0b-249f49569a8c",
      userPrincipalName: "joe.danger@mauriziobrancaoutlook.onmicrosoft.com",
    },
  });

  it("is read with its detected time when that parses leniently", () => {
    const read = normaliseRecord(record("2022-09-09T8:48:50.361Z", "2022-09-09T08:40:00.000Z"), {
      tenantId: "t",
    });
    expect(read.ok && read.event.kind === "risk-detection" && read.event.time).toBe(
      Date.UTC(2022, 8, 9, 8, 48, 50, 361),
    );
  });

  it("falls back to the activity's time, field by field, when the detected time is unusable", () => {
    const read = normaliseRecord(record("not a time", "2022-09-09T08:40:00.000Z"), { tenantId: "t" });
    expect(read.ok && read.event.time).toBe(Date.UTC(2022, 8, 9, 8, 40));
    const riskLevel = read.ok && read.event.kind === "risk-detection" ? read.event.riskLevel : undefined;
    expect(riskLevel).toBe("high");
  });

  it("is skipped, saying why, only when no usable time is left", () => {
    const read = normaliseRecord(record("not a time", undefined), { tenantId: "t" });
    expect(read).toEqual({ ok: false, reason: expect.stringMatching(/lacks its id or time/) });
  });
});

describe("a record PowerShell flattened", () => {
  it("is refused, saying to export again with more depth", () => {
    const flattened = {
      id: "Directory_1",
      activityDisplayName: "Add member to role",
      activityDateTime: "/Date(1662713330361)/",
      initiatedBy: "@{app=; user=}",
      targetResources: ["@{id=5b6c7d8e; type=User}"],
    };
    expect(normaliseRecord(flattened, { tenantId: "t" })).toEqual({
      ok: false,
      reason:
        'written by PowerShell\'s ConvertTo-Json with too little depth (initiatedBy is "@{...}" text): export again with ConvertTo-Json -Depth 10',
    });
  });
});

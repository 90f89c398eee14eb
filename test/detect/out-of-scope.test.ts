import { describe, expect, it } from "vitest";
import { DEFAULT_DETECT_CONFIG } from "../../src/detect/detect-config.js";
import type { InputItem } from "../../src/detect/input/input-item.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { runDetection } from "../../src/detect/run-detection.js";

/**
 * Issue 19, point 7: out of scope is not unreadable. Records of a shape Warden knows but from a log or
 * table no rule reads are counted as ignored, apart from records that could not be read (skipped), and
 * the reasons say which is which. The shapes below are those of the real exports in ../shared/external
 * (Elastic's Event Hub Activity Log test records, the SimuLand lab's Defender hunting export, msticpy's
 * Log Analytics query result).
 */

// An Event Hub Activity Log record of category ResourceHealth (Elastic's test-activitylogs-raw.log).
const resourceHealth = {
  time: "2020-11-30T10:28:04.0000000Z",
  resourceId:
    "/SUBSCRIPTIONS/8A4DE8B5-3F4A-4B5C-9D6E-7F8A9B0C1D2E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM1",
  operationName: "Microsoft.Resourcehealth/healthevent/Activated/action",
  category: "ResourceHealth",
  resultType: "Active",
  correlationId: "2a5c7e9b-1d3f-4a6b-8c0d-2e4f6a8b0c1d",
  level: "Critical",
  properties: { title: "Virtual Machine health status changed", currentHealthStatus: "Unavailable" },
};
// A category "Action" record with no `properties` at all (the same file's listKeys, and Beats' own).
const action = {
  time: "2020-11-30T10:30:04.0000000Z",
  resourceId:
    "/SUBSCRIPTIONS/8A4DE8B5-3F4A-4B5C-9D6E-7F8A9B0C1D2E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/SA1",
  operationName: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
  category: "Action",
  resultType: "Start",
  correlationId: "3b6d8f0a-2e4a-4b7c-9d1e-3f5a7b9c1d2e",
};
// A DeviceEvents row from a Defender hunting union export (SimuLand's Microsoft365DefenderEvents.json).
const deviceEvent = {
  Timestamp: "2021-08-03T17:22:43.1234567Z",
  DeviceId: "8b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c",
  DeviceName: "workstation5.simulandlabs.com",
  ActionType: "LdapSearch",
  InitiatingProcessFileName: "powershell.exe",
  AdditionalFields: '{"AttributeList":"[\\"objectSid\\"]"}',
  RawEventData: null,
};
// A SecurityAlert row from a Log Analytics query result (msticpy's az_mon_raw_query.json).
const securityAlert = {
  TenantId: "52b1ab41-869e-4138-9e40-2a4457f09bf0",
  TimeGenerated: "2019-01-15T10:34:12.0000000Z",
  AlertName: "Detected potentially suspicious use of Telegram",
  AlertSeverity: "Medium",
  Type: "SecurityAlert",
};
// A REST EventData of category ServiceHealth (the Activity Log API's shape).
const serviceHealth = {
  eventTimestamp: "2026-11-30T10:00:00.0000000Z",
  operationName: { value: "Microsoft.ServiceHealth/incident/action", localizedValue: "Incident" },
  category: { value: "ServiceHealth", localizedValue: "Service Health" },
  correlationId: "4c7e9a1b-3f5b-4c8d-8e2f-4a6b8c0d2e4f",
  eventDataId: "5d8f0b2c-4a6c-4d9e-9f3a-5b7c9d1e3f5a",
  status: { value: "Active" },
};

describe("records out of scope", () => {
  it("are ignored, with a reason that names the category or table", () => {
    const reasons = [resourceHealth, action, deviceEvent, securityAlert, serviceHealth].map((r) =>
      normaliseRecord(r, { tenantId: "t" }),
    );
    expect(reasons).toEqual([
      { ok: false, ignored: true, reason: "diagnostic category ResourceHealth is not one Warden reads" },
      { ok: false, ignored: true, reason: "diagnostic category Action is not one Warden reads" },
      {
        ok: false,
        ignored: true,
        reason: "a Defender device table row (DeviceEvents or alike), not a table Warden reads",
      },
      { ok: false, ignored: true, reason: "Log Analytics table SecurityAlert is not one Warden reads" },
      { ok: false, ignored: true, reason: "Activity Log category ServiceHealth is not one Warden reads" },
    ]);
  });

  it("are counted apart from unreadable records in the summary", async () => {
    async function* items(): AsyncGenerator<InputItem> {
      for (const [i, record] of [resourceHealth, action, deviceEvent, securityAlert, serviceHealth].entries())
        yield { kind: "record", record, place: `x:${i + 1}` };
      yield { kind: "record", record: { hello: "world" }, place: "x:6" };
      yield { kind: "problem", place: "x:7", reason: "not valid JSON" };
    }
    const report = await runDetection(items(), DEFAULT_DETECT_CONFIG);
    expect(report.counts).toMatchObject({ records: 7, events: 0, skipped: 2, ignored: 5 });
    expect(report.problems).toEqual([
      { place: "x:6", reason: "fits no known log shape" },
      { place: "x:7", reason: "not valid JSON" },
    ]);
    expect(report.ignoredBecause).toContainEqual({
      reason: "diagnostic category ResourceHealth is not one Warden reads",
      count: 1,
    });
  });

  it("leaves the categories the rules read alone: an Administrative record is read", () => {
    const administrative = { ...action, category: "Administrative", resultType: "Success" };
    expect(normaliseRecord(administrative, { tenantId: "t" })).toMatchObject({ ok: true });
  });
});

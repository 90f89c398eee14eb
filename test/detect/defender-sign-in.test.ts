import { describe, expect, it } from "vitest";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";

/**
 * Issue 19, point 9: Defender XDR's sign-in tables, `AADSignInEventsBeta` and `EntraIdSignInEvents` that
 * replaces it (Learn, advanced hunting schema reference), read as sign-ins: `RiskLevelAggregated` and
 * `RiskLevelDuringSignIn` are numbers (0 not set, 1 none, 10 low, 50 medium, 100 high), `ErrorCode` an
 * integer (0 success), `ReportId` the row's id. The rows below have those tables' columns.
 */

const beta = {
  Timestamp: "2026-11-30T07:41:12.0000000Z",
  Application: "Azure Portal",
  ApplicationId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
  LogonType: '["interactiveUser"]',
  ErrorCode: 0,
  CorrelationId: "9d1e3f5a-7b9c-4d1e-8f3a-5b7c9d1e3f5a",
  SessionId: "9d1e3f5a-7b9c-4d1e-8f3a-5b7c9d1e3f5a",
  AccountDisplayName: "Priya Raman",
  AccountObjectId: "30a6c29d-de7c-4830-815f-9b3bb366e975",
  AccountUpn: "priya@contoso.example",
  IsExternalUser: 0,
  IsGuestUser: false,
  IPAddress: "198.51.100.23",
  Country: "NL",
  RiskLevelAggregated: 100,
  RiskLevelDuringSignIn: 50,
  RiskState: 4,
  RiskEventTypes: '["anonymizedIPAddress"]',
  ReportId: "b2c4d6e8-0a1b-4c3d-8e5f-7a9b1c3d5e7f",
  RequestId: "e1b6d9d7-5fc0-4638-ae1a-e0abceb92200",
};

describe("Defender sign-in rows", () => {
  it("are read as sign-ins, numbers turned into Graph's risk levels", () => {
    const read = normaliseRecord(beta, { tenantId: "d2af6ef7-a00c-438f-903b-65592cfddc48" });
    expect(read).toMatchObject({
      ok: true,
      event: {
        kind: "sign-in",
        shape: "defender-sign-in",
        // Graph's signIn id is the request id: one event whichever source it is read from.
        id: `entra-sign-in:${beta.RequestId}`,
        time: Date.parse("2026-11-30T07:41:12Z"),
        succeeded: true,
        riskAggregated: "high",
        riskDuringSignIn: "medium",
        riskEventTypes: ["anonymizedIPAddress"],
        appDisplayName: "Azure Portal",
        actor: { id: beta.AccountObjectId, userPrincipalName: beta.AccountUpn, ipAddress: "198.51.100.23" },
      },
    });
  });

  it("read a failed sign-in as failed, and a level not set as unknown", () => {
    const read = normaliseRecord({ ...beta, ErrorCode: 50126, RiskLevelAggregated: 0 }, { tenantId: "t" });
    expect(read).toMatchObject({ ok: true, event: { succeeded: false, riskAggregated: "unknown" } });
  });

  it("are known by the table's name in a union export, in EntraIdSignInEvents' later form too", () => {
    const { RiskLevelDuringSignIn: _, ...rest } = beta;
    const later = {
      ...rest,
      Type: "EntraIdSignInEvents",
      TimeGenerated: beta.Timestamp,
      RiskLevelAggregated: "100",
    };
    expect(normaliseRecord(later, { tenantId: "t" })).toMatchObject({
      ok: true,
      event: { kind: "sign-in", riskAggregated: "high" },
    });
  });
});

import { describe, expect, it } from "vitest";
import { alertSignalOf, withAlerts } from "../../src/detect/alerts.js";
import type { SecurityAlertEvent } from "../../src/detect/event.js";
import type { Finding } from "../../src/detect/finding.js";
import { normaliseRecord } from "../../src/detect/normalise/recognise.js";
import { guestAdmin, hijack } from "../../src/sim/scenarios/attacks.js";
import { TenantScript } from "../../src/sim/scenarios/script.js";
import { detect } from "../helpers/detection.js";

/**
 * Issue 19, point 11: Microsoft's own alerts (Graph `security/alerts_v2`) as evidence. An alert is
 * attached to the findings about the same user or subscription and raises their confidence; an alert
 * alone is never a finding, so it can never start containment.
 */

const TENANT = "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c";

/** Learn's example response of "List alerts_v2" (security-list-alerts_v2), its evidence cut to two items. */
const LEARN_EXAMPLE = {
  "@odata.type": "#microsoft.graph.security.alert",
  id: "da637551227677560813_-961444813",
  providerAlertId: "da637551227677560813_-961444813",
  incidentId: "28282",
  status: "new",
  severity: "low",
  classification: "unknown",
  determination: "unknown",
  serviceSource: "microsoftDefenderForEndpoint",
  detectionSource: "antivirus",
  detectorId: "e0da400f-affd-43ef-b1d5-afc2eb6f2756",
  tenantId: TENANT,
  title: "Suspicious execution of hidden file",
  category: "DefenseEvasion",
  assignedTo: null,
  alertWebUrl: `https://security.microsoft.com/alerts/da637551227677560813_-961444813?tid=${TENANT}`,
  mitreTechniques: ["T1564.001"],
  createdDateTime: "2021-04-27T12:19:27.7211305Z",
  lastUpdateDateTime: "2021-05-02T14:19:01.3266667Z",
  resolvedDateTime: null,
  firstActivityDateTime: "2021-04-26T07:45:50.116Z",
  lastActivityDateTime: "2021-05-02T07:56:58.222Z",
  comments: [],
  evidence: [
    {
      "@odata.type": "#microsoft.graph.security.deviceEvidence",
      createdDateTime: "2021-04-27T12:19:27.7211305Z",
      verdict: "unknown",
      remediationStatus: "none",
      mdeDeviceId: "73e7e2de709dff64ef64b1d0c30e67fab63279db",
      roles: ["compromised"],
      vmMetadata: {
        vmId: "ca1b0d41-5a3b-4d95-b48b-f220aed11d78",
        cloudProvider: "azure",
        resourceId:
          "/subscriptions/8700d3a3-3bb7-4fbe-a090-488a1ad04161/resourceGroups/WdatpApi-EUS-STG/providers/Microsoft.Compute/virtualMachines/NirLaviTests",
        subscriptionId: "8700d3a3-3bb7-4fbe-a090-488a1ad04161",
      },
    },
    {
      "@odata.type": "#microsoft.graph.security.processEvidence",
      createdDateTime: "2021-04-27T12:19:27.7211305Z",
      verdict: "unknown",
      remediationStatus: "none",
      roles: [],
      userAccount: {
        accountName: "SYSTEM",
        domainName: "NT AUTHORITY",
        userSid: "S-1-5-18",
        azureAdUserId: null,
        userPrincipalName: null,
        displayName: "System",
      },
    },
  ],
};

function asAlert(record: unknown): SecurityAlertEvent {
  const result = normaliseRecord(record, { tenantId: TENANT });
  if (!result.ok) throw new Error(result.reason);
  if (result.event.kind !== "security-alert") throw new Error(`read as ${result.event.kind}`);
  return result.event;
}

/** The guest-admin attack as the simulator writes it, with its "Multiple VM activities" alert. */
function guestAdminDay() {
  const script = new TenantScript({ id: TENANT, domain: "contoso.example" }, Date.UTC(2026, 11, 1, 8), 7);
  const attack = guestAdmin(script, 10);
  const records = script.records.map((r) => r.record);
  const alert = script.records.find((r) => r.stream === "alerts")?.record as Record<string, unknown>;
  return { attack, records, alert, withoutAlert: records.filter((r) => r !== alert) };
}

describe("Microsoft's alerts", () => {
  it("reads Learn's alerts_v2 example: id, title, severity and activity window", () => {
    const alert = asAlert(LEARN_EXAMPLE);
    expect(alert).toMatchObject({
      alertId: "da637551227677560813_-961444813",
      title: "Suspicious execution of hidden file",
      severity: "low",
      serviceSource: "microsoftDefenderForEndpoint",
      firstActivity: Date.parse("2021-04-26T07:45:50.116Z"),
      lastActivity: Date.parse("2021-05-02T07:56:58.222Z"),
      updatedAt: Date.parse("2021-05-02T14:19:01.3266667Z"),
      // A VM's alert (vmMetadata) says nothing of who holds its subscription: anyone outside can set off
      // one on an internet-facing machine. SYSTEM names no Entra user. Nothing to match a finding on.
      subscriptionIds: [],
      users: [],
    });
    // Each version is its own event: a reclassification is read, not dropped as a repeat.
    const updated = asAlert({ ...LEARN_EXAMPLE, lastUpdateDateTime: "2021-05-03T09:00:00Z" });
    expect(updated.id).not.toBe(alert.id);
    expect(updated.alertId).toBe(alert.alertId);
  });

  it("counts an alert as an event, read and not skipped", async () => {
    const report = await detect([LEARN_EXAMPLE]);
    expect(report.counts).toMatchObject({ events: 1, findings: 0, incidents: 0, skipped: 0 });
  });

  it("refuses an alert id that could shape its link, saying so", async () => {
    const result = normaliseRecord({ ...LEARN_EXAMPLE, id: "x/../../evil?a=b" }, { tenantId: TENANT });
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.reason).toMatch(/alert id .* \(letters, digits, _ and - only\)/);
  });

  it("never makes a finding alone: alerts about a user with no finding give no incident", async () => {
    const { alert } = guestAdminDay();
    const report = await detect([alert, { ...alert, id: "caOTHER", severity: "high" }]);
    expect(report.counts).toMatchObject({ events: 2, findings: 0, incidents: 0 });
  });

  it("raises the confidence of the findings about its user and subscription, and shows itself in their evidence", async () => {
    const { records, withoutAlert, alert, attack } = guestAdminDay();
    const before = await detect(withoutAlert);
    const after = await detect(records);
    const burst = (r: typeof before) => r.findings.find((f) => f.rule === "guest-vm-burst") as Finding;
    const base = burst(before);
    const raised = burst(after);
    // "Multiple VM activities" is medium: +0.1.
    expect(raised.confidence).toBeCloseTo(Math.min(0.99, base.confidence + 0.1), 5);
    expect(raised.evidence.filter((e) => e.source === "security-alert")).toEqual([
      {
        source: "security-alert",
        id: alert["id"],
        time: Date.parse(String(alert["firstActivityDateTime"])),
        operation: "Multiple VM activities (microsoftDefenderForCloudApps, medium)",
        alertSeverity: "medium",
      },
    ]);
    expect(raised.subject.id).toBe(attack.subjectId);
    // The same incidents: an alert adds to what Warden found, never something new.
    expect(after.incidents.map((i) => i.rules)).toEqual(before.incidents.map((i) => i.rules));
  });

  it("matches by subscription when the alert names no user", async () => {
    const { withoutAlert, alert, attack } = guestAdminDay();
    const bySubscription = {
      ...alert,
      evidence: (alert["evidence"] as Record<string, unknown>[]).filter((e) =>
        String(e["@odata.type"]).endsWith("azureResourceEvidence"),
      ),
    };
    const before = (await detect(withoutAlert)).findings.find((f) => f.rule === "external-vm-created");
    const report = await detect([...withoutAlert, bySubscription]);
    const vm = report.findings.find((f) => f.rule === "external-vm-created") as Finding;
    expect(vm.subscriptionIds).toEqual(attack.subscriptionIds);
    expect(vm.evidence.some((e) => e.source === "security-alert")).toBe(true);
    expect(vm.confidence).toBeCloseTo(Math.min(0.99, (before?.confidence ?? 0) + 0.1), 5);
  });

  it("is about the users it names as such: not others in the same subscription, not the targets of an attack", async () => {
    const { withoutAlert, alert } = guestAdminDay();
    const base = await detect(withoutAlert);
    const confidences = (r: typeof base) => r.findings.map((f) => [f.id, f.confidence]);
    const evidence = alert["evidence"] as Record<string, unknown>[];
    const someoneElse = {
      "@odata.type": "#microsoft.graph.security.userEvidence",
      roles: ["compromised"],
      userAccount: {
        azureAdUserId: "11111111-2222-3333-4444-555555555555",
        userPrincipalName: "x@y.example",
      },
    };
    // Names another user and the attack's subscription: about that user, not the guest who acts there.
    const otherUser = { ...alert, evidence: [someoneElse, ...evidence.filter((e) => !("userAccount" in e))] };
    expect(confidences(await detect([...withoutAlert, otherUser]))).toEqual(confidences(base));
    // Names the guest only as one of those attacked (a spray's targets): not about the guest.
    const attacked = {
      ...alert,
      evidence: evidence.map((e) => ("userAccount" in e ? { ...e, roles: ["attacked"] } : e)),
    };
    expect(confidences(await detect([...withoutAlert, attacked]))).toEqual(confidences(base));
  });

  it("adds nothing when dismissed, when about someone else, or when a day away", async () => {
    const { withoutAlert, alert } = guestAdminDay();
    const base = await detect(withoutAlert);
    const confidences = (r: typeof base) => r.findings.map((f) => [f.id, f.confidence]);
    const later = (minutes: number) =>
      new Date(Date.parse(String(alert["lastUpdateDateTime"])) + minutes * 60_000);
    const dismissed = {
      ...alert,
      classification: "falsePositive",
      lastUpdateDateTime: later(60).toISOString(),
    };
    const elsewhere = {
      ...alert,
      id: "caELSEWHERE",
      evidence: [
        {
          "@odata.type": "#microsoft.graph.security.userEvidence",
          roles: ["compromised"],
          userAccount: {
            azureAdUserId: "11111111-2222-3333-4444-555555555555",
            userPrincipalName: "x@y.example",
          },
        },
      ],
    };
    const dayAway = {
      ...alert,
      id: "caDAYAWAY",
      firstActivityDateTime: later(60 * 50).toISOString(),
      lastActivityDateTime: later(60 * 51).toISOString(),
    };
    // A later version that no longer names the guest (nor the subscription) is no longer about them.
    const movedOn = { ...elsewhere, id: alert["id"], lastUpdateDateTime: later(30).toISOString() };
    expect(confidences(await detect([...withoutAlert, alert, movedOn]))).toEqual(confidences(base));
    // The first version raised it; the SOC's later "false positive" takes that back.
    expect(confidences(await detect([...withoutAlert, alert, dismissed]))).toEqual(confidences(base));
    expect(confidences(await detect([...withoutAlert, elsewhere]))).toEqual(confidences(base));
    expect(confidences(await detect([...withoutAlert, dayAway]))).toEqual(confidences(base));
  });

  it("attaches the same alerts once, however often, and caps what several add", () => {
    const finding: Finding = {
      id: "f-1",
      rule: "guest-privileged-role",
      severity: "critical",
      confidence: 0.5,
      tenantId: TENANT,
      time: Date.UTC(2026, 11, 1, 9),
      subject: { type: "user", id: "30a6c29d-de7c-4830-815f-9b3bb366e975" },
      subscriptionIds: [],
      evidence: [],
      summary: "granted",
    };
    const signal = (id: string, severity: "high" | "medium") =>
      alertSignalOf(
        asAlert({
          ...LEARN_EXAMPLE,
          id,
          severity,
          firstActivityDateTime: "2026-12-01T08:30:00Z",
          lastActivityDateTime: "2026-12-01T08:40:00Z",
        }),
      );
    const once = withAlerts(finding, [signal("a1", "high")]);
    expect(once.confidence).toBe(0.65);
    expect(withAlerts(once, [signal("a1", "high")])).toBe(once);
    const three = withAlerts(once, [signal("a1", "high"), signal("a2", "high"), signal("a3", "medium")]);
    expect(three.confidence).toBe(0.7);
    expect(three.evidence).toHaveLength(3);
    expect(withAlerts(three, []).confidence).toBe(0.5);
    expect(withAlerts(three, []).evidence).toEqual([]);
    // The same alerts in another order are the same alerts.
    expect(withAlerts(three, [signal("a3", "medium"), signal("a2", "high"), signal("a1", "high")])).toBe(
      three,
    );
    // An alert history no longer holds (forgotten, or its event deleted) is kept, never taken off.
    const forgotten = withAlerts(once, [signal("a2", "medium")], (id) => id !== "a1");
    expect(forgotten.evidence.map((e) => e.id).sort()).toEqual(["a1", "a2"]);
    // 0.5 before alerts, +0.15 and +0.1, capped at +0.2.
    expect(forgotten.confidence).toBe(0.7);
  });

  it("stays on the findings it is about, never on the takeover chain made of them", async () => {
    const script = new TenantScript({ id: TENANT, domain: "contoso.example" }, Date.UTC(2026, 11, 1, 8), 9);
    const attack = hijack(script, 10);
    const guest = {
      id: attack.subjectId,
      userPrincipalName: attack.subjectUpn,
      displayName: "guest",
      userType: "Guest" as const,
    };
    script.after(10).alert(60, {
      title: "Suspicious role assignment in Azure subscription",
      severity: "high",
      serviceSource: "microsoft365Defender",
      detectionSource: "cloudAppSecurity",
      category: "PrivilegeEscalation",
      users: [guest],
      subscriptionIds: [],
      ipAddresses: [],
    });
    const report = await detect(script.records.map((r) => r.record));
    const chain = report.findings.find((f) => f.rule === "subscription-hijack-chain") as Finding;
    expect(chain.evidence.some((e) => e.source === "security-alert")).toBe(false);
    expect(report.findings.some((f) => f.evidence.some((e) => e.source === "security-alert"))).toBe(true);
  });
});

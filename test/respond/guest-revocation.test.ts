import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { proposeActions } from "../../src/respond/proposals.js";
import { revokeSessions } from "../../src/respond/responders/revoke-sessions.js";
import type { SimCloud } from "../../src/sim/cloud/sim-server.js";
import type { TenantDay } from "../../src/sim/scenarios/tenant-day.js";
import { respondContext } from "../helpers/respond.js";
import { settledTenant } from "../helpers/sim.js";

/**
 * Microsoft: revokeSignInSessions "doesn't revoke sign-in sessions for external users, because external
 * users sign in through their home tenant" (Graph, user: revokeSignInSessions). Guests are Warden's main
 * subjects (issue 18, point 6): for one, Warden disables the account instead, and a revocation that is
 * done anyway is not shown as containment.
 */

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";

function riskySignIn(subject: Finding["subject"]): Finding {
  return {
    id: `f-${subject.id}`,
    rule: "risky-signin-resource-group",
    severity: "high",
    confidence: 0.9,
    tenantId: TENANT,
    time: 1_000,
    subject,
    subscriptionIds: [],
    evidence: [],
    summary: "risky sign-in, then a resource group",
  };
}

describe("containing an external user", () => {
  it("proposes disabling the account where a member's sessions would be revoked", () => {
    const guest = riskySignIn({
      type: "user",
      id: "aaaaaaaa-0000-4000-8000-00000000000a",
      userPrincipalName: "mallory_evil.example#EXT#@contoso.onmicrosoft.com",
    });
    const member = riskySignIn({ type: "user", id: "bbbbbbbb-0000-4000-8000-00000000000b" });
    expect(proposeActions([guest], TENANT).map((p) => p.action)).toEqual(["require-mfa", "disable-account"]);
    expect(proposeActions([member], TENANT).map((p) => p.action)).toEqual(["require-mfa", "revoke-sessions"]);
    const flagged = riskySignIn({ type: "user", id: "cccccccc-0000-4000-8000-00000000000c", external: true });
    expect(proposeActions([flagged], TENANT).map((p) => p.action)).not.toContain("revoke-sessions");
  });

  describe("against the simulated tenant", () => {
    let sim: SimCloud;
    let day: TenantDay;
    beforeAll(async () => {
      ({ sim, day } = await settledTenant(83, 50));
    }, 60_000);
    afterAll(async () => {
      await sim?.close();
    });

    it("plans a guest's revocation as not enforced, and a member's as containment", async () => {
      const ctx = respondContext(sim, day);
      const users = [...sim.directory.users.values()];
      const guest = users.find((u) => u.userType === "Guest");
      const member = users.find((u) => u.userType === "Member");
      if (guest === undefined || member === undefined)
        throw new Error("the tenant lacks a guest or a member");
      const target = (id: string) => ({ kind: "user" as const, id, label: id });
      const forGuest = await revokeSessions.plan(ctx, target(guest.id));
      expect(forGuest.data["notEnforced"]).toMatch(/an external user signs in through their home tenant/);
      const forMember = await revokeSessions.plan(ctx, target(member.id));
      expect(forMember.data).not.toHaveProperty("notEnforced");
    });

    it("is a simulator where revocation ends a member's sessions and not a guest's; disabling ends both", async () => {
      const ctx = respondContext(sim, day);
      const users = [...sim.directory.users.values()];
      const guest = users.find((u) => u.userType === "Guest" && u.accountEnabled);
      const member = users.find((u) => u.userType === "Member" && u.accountEnabled);
      if (guest === undefined || member === undefined)
        throw new Error("the tenant lacks a guest or a member");
      const before = Date.now() - 1_000;
      await ctx.graph.revokeSessions(guest.id);
      await ctx.graph.revokeSessions(member.id);
      expect(sim.directory.sessionStillWorks(member.id, before)).toBe(false);
      // Graph answered as it does for anyone, and the guest's home-tenant session goes on.
      expect(sim.directory.sessionStillWorks(guest.id, before)).toBe(true);
      await ctx.graph.setAccountEnabled(guest.id, false);
      expect(sim.directory.sessionStillWorks(guest.id, before)).toBe(false);
      await ctx.graph.setAccountEnabled(guest.id, true);
    });
  });
});

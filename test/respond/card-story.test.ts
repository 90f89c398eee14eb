import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/detect/finding.js";
import { storyOf, who } from "../../src/respond/card-story.js";

/**
 * The card's sentence names accounts so that an attacker's choice of name cannot pass one account for
 * another: accounts are told apart by id, an app reads as an app, and a member whose display name is not
 * its UPN's in other words shows its UPN too.
 */

const TENANT = "8f2c6a1e-3b7d-4c9e-a5f1-2d4b6c8e0a13";
const GA = "62e90394-69f5-4237-9190-012177145e10";
const PRIYA = {
  type: "user" as const,
  id: "p-1",
  userPrincipalName: "priya.raman@contoso.com",
  displayName: "Priya Raman",
};
const GUEST = {
  type: "user" as const,
  id: "g-1",
  userPrincipalName: "x_evil.net#EXT#@contoso.com",
  external: true,
};

function finding(rule: Finding["rule"], time: number, parts: Partial<Finding>): Finding {
  return {
    id: `f-${rule}-${time}`,
    rule,
    severity: "high",
    confidence: 0.9,
    tenantId: TENANT,
    time,
    subject: GUEST,
    subscriptionIds: [],
    evidence: [],
    summary: rule,
    ...parts,
  };
}

describe("the card's sentence", () => {
  it("tells the invitation and the grant as one, the guest by its home address", () => {
    const story = storyOf(
      [
        finding("guest-invited", 1, { actor: PRIYA, subject: { ...GUEST, userPrincipalName: "x@evil.net" } }),
        finding("guest-privileged-role", 2, {
          actor: PRIYA,
          grants: [{ kind: "directory-role", roleTemplateId: GA }],
        }),
      ],
      new Map(),
      TENANT,
    );
    expect(story).toBe("Priya Raman invited x@evil.net, made it Global Administrator.");
  });

  it("reads an app as an app, and a member named after someone else with its UPN", () => {
    expect(who({ type: "servicePrincipal", id: "sp-1", displayName: "Priya Raman" })).toBe(
      'app "Priya Raman"',
    );
    expect(
      who({ type: "user", userPrincipalName: "helpdesk7@contoso.com", displayName: "Priya Raman" }),
    ).toBe("Priya Raman (helpdesk7@contoso.com)");
    expect(who(PRIYA)).toBe("Priya Raman");
  });

  it("says 'it' only for the account the sentence just named, by id, whatever the names", () => {
    // An account named "Administrator" moves the subscription after a grant: it is not the guest.
    const other = {
      type: "user" as const,
      id: "o-1",
      userPrincipalName: "administrator@contoso.com",
      displayName: "Administrator",
    };
    const story = storyOf(
      [
        finding("guest-privileged-role", 1, {
          actor: PRIYA,
          grants: [{ kind: "directory-role", roleTemplateId: GA }],
        }),
        finding("subscription-directory-changed", 2, {
          actor: other,
          subject: { type: "subscription", id: "s-1" },
          subscriptionIds: ["s-1"],
          destinationTenantId: "6b1c2f4e-9d3a-4e8b-b7a1-0c5d9e2f3a4b",
        }),
      ],
      new Map([["s-1", "Lab"]]),
      TENANT,
    );
    expect(story).toBe(
      "Priya Raman made x@evil.net Global Administrator; Administrator moved Lab to tenant 6b1c… (not yours).",
    );
    // The guest itself moving it is "it".
    const itself = storyOf(
      [
        finding("guest-privileged-role", 1, {
          actor: PRIYA,
          grants: [{ kind: "directory-role", roleTemplateId: GA }],
        }),
        finding("subscription-directory-changed", 2, {
          actor: GUEST,
          subject: { type: "subscription", id: "s-1" },
          subscriptionIds: ["s-1"],
        }),
      ],
      new Map([["s-1", "Lab"]]),
      TENANT,
    );
    expect(itself).toBe(
      "Priya Raman made x@evil.net Global Administrator; it moved Lab to another directory.",
    );
  });
});

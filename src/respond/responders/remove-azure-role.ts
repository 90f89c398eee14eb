import type { AzureAssignment, AzureEligibility } from "../../cloud/arm-rbac.js";
import { classifyFailure } from "../../cloud/errors.js";
import { AZURE_ROLE_NAMES, scopeLevel } from "../../detect/roles.js";
import { labelOf, resolveUser } from "../resolve-user.js";
import { restoredExpiry } from "../restore-expiry.js";
import type { PrivilegeLimit, RespondContext, Responder } from "../types.js";

const roleName = (definitionId: string) => {
  const guid = definitionId.split("/").pop() ?? definitionId;
  return AZURE_ROLE_NAMES[guid] ?? guid;
};

/**
 * Deletes the subject's Azure role assignments, and removes its Azure PIM eligibilities, that the incident
 * names: the grant a finding saw (role and scope, active or eligible), or, for a finding about a VM
 * created, those inside the subscriptions it names. Anything else the subject holds stays (issue 17,
 * finding 3). Unlimited (a finding stored before findings named their grants): every one at subscription,
 * management-group and root scope, as before.
 */
export const removeAzureRole: Responder = {
  name: "remove-azure-role",
  permission: "Owner, User Access Administrator or Role Based Access Control Administrator at the scopes",
  targets: "user",
  async plan(ctx, target) {
    const user = await resolveUser(ctx, target);
    const limit = target.kind === "user" ? target.limit : undefined;
    const visible = await ctx.subscriptions();
    const toRead = subscriptionsToRead(visible, limit);
    const [{ assignments: all, unreadable }, { eligibilities: allEligible }] = await Promise.all([
      ctx.rbac.assignmentsAndGaps(toRead, user.id),
      ctx.rbac.eligibilitiesAndGaps(toRead, user.id),
    ]);
    const named = all.filter((a) => isNamed(a, limit));
    const eligible = allEligible.filter((e) => isNamed(e, limit));
    // What cannot be read cannot be said to be gone: a grant named at a management group or the root, or
    // (unlimited) any role at all, with those scopes unreadable, fails visibly rather than end "done"
    // while the role stays.
    const hidden = (limit?.grants ?? []).filter(
      (g) => g.kind === "azure-role" && subscriptionOf(g.scope) === undefined,
    );
    if (
      unreadable.length > 0 &&
      (hidden.length > 0 || (limit === undefined && named.length + eligible.length === 0))
    ) {
      throw new UnreadableScope(
        `role assignments at ${unreadable.join(", ")} could not be read (Warden's app has no rights there), so ${labelOf(user)}'s roles there cannot be confirmed or removed: give Warden's app User Access Administrator at the root management group, or remove them by hand`,
      );
    }
    const what = limit === undefined ? "at subscription, management group or root scope" : describe(limit);
    // Said on the card: what Warden could not see, it cannot take back (issue 18, point 3).
    const gaps = unreadable.map(
      (scope) =>
        `Not read: role assignments at ${scope} (Warden's app has no rights there); any held there over no readable subscription stay`,
    );
    const removals = [
      ...named.map(
        (a) => `Delete ${labelOf(user)}'s ${roleName(a.roleDefinitionId)} assignment at ${a.scope}`,
      ),
      ...eligible.map(
        (e) =>
          `Remove ${labelOf(user)}'s eligibility for ${roleName(e.roleDefinitionId)} at ${e.scope} (PIM${e.endDateTime === null ? "" : `, until ${e.endDateTime}`})`,
      ),
    ];
    return {
      needed: removals.length > 0,
      changes: [
        ...(removals.length > 0 ? removals : [`${labelOf(user)} holds no Azure role ${what}`]),
        ...gaps,
      ],
      data: { userId: user.id, assignments: named, eligibilities: eligible },
    };
  },
  async execute(ctx, _target, plan) {
    const assignments = plan.data["assignments"] as AzureAssignment[];
    const requestIds: string[] = [];
    const deleted: AzureAssignment[] = [];
    const leftWithSubscription: string[] = [];
    const alreadyGone: string[] = [];
    for (const a of assignments) {
      try {
        // ARM answers 204 for an assignment already gone: deleting again is harmless, and what someone
        // else took away first is not Warden's to give back on undo.
        if (await ctx.rbac.deleteAssignment(a.id, (id) => requestIds.push(id))) deleted.push(a);
        else alreadyGone.push(a.id);
      } catch (error) {
        // The subscription left the directory since the plan read it (a takeover's move completing
        // mid-containment): its assignments went with it, there is nothing left here to remove or to
        // restore. Only when the listing agrees; anything else is a failure as before.
        if (!(await leftTheDirectory(ctx, a, error))) throw error;
        leftWithSubscription.push(a.id);
      }
    }
    const eligibilities = (plan.data["eligibilities"] as AzureEligibility[] | undefined) ?? [];
    const removed: AzureEligibility[] = [];
    for (const e of eligibilities) {
      try {
        await ctx.rbac.requestEligibility("AdminRemove", e, "Warden containment", undefined, (id) =>
          requestIds.push(id),
        );
        removed.push(e);
      } catch (error) {
        // PIM's answer when it is already gone (someone quicker): what we wanted, and not Warden's to
        // give back on undo (an attacker's grant would come back with it).
        if (classifyFailure(error).code === "RoleAssignmentDoesNotExist") {
          alreadyGone.push(e.id);
          continue;
        }
        if (!(await leftTheDirectory(ctx, e, error))) throw error;
        leftWithSubscription.push(e.id);
      }
    }
    return {
      changed: {
        userId: String(plan.data["userId"]),
        assignments: deleted,
        eligibilities: removed,
        leftWithSubscription,
        alreadyGone,
      },
      requestIds,
      ...(notes(leftWithSubscription, alreadyGone) === undefined
        ? {}
        : { note: notes(leftWithSubscription, alreadyGone) as string }),
    };
  },
  async verify(ctx, _target, plan) {
    for (const a of plan.data["assignments"] as AzureAssignment[]) {
      if ((await ctx.rbac.assignment(a.id)) !== undefined) return false;
    }
    const eligibilities = (plan.data["eligibilities"] as AzureEligibility[] | undefined) ?? [];
    if (eligibilities.length === 0) return true;
    const subscriptions = [...new Set(eligibilities.flatMap((e) => subscriptionOf(e.scope) ?? []))];
    const { eligibilities: still, unreadable } = await ctx.rbac.eligibilitiesAndGaps(
      subscriptions,
      String(plan.data["userId"]),
    );
    // One made at a management group or the root cannot be seen gone where that scope is unreadable.
    if (unreadable.length > 0 && eligibilities.some((e) => subscriptionOf(e.scope) === undefined))
      return false;
    return eligibilities.every((e) => !still.some((n) => sameGrant(n, e)));
  },
  async undo(ctx, _target, changed) {
    const assignments = (changed["assignments"] as AzureAssignment[] | undefined) ?? [];
    let recreated = 0;
    for (const a of assignments) {
      if ((await ctx.rbac.assignment(a.id)) !== undefined) continue;
      const { id: _id, createdOn: _createdOn, ...same } = a;
      await ctx.rbac.createAssignment(same);
      recreated++;
    }
    const eligibilities = (changed["eligibilities"] as AzureEligibility[] | undefined) ?? [];
    const held =
      eligibilities.length === 0
        ? []
        : await heldEligibilities(
            ctx,
            String(changed["userId"] ?? eligibilities[0]?.principalId),
            eligibilities,
          );
    const lapsed: string[] = [];
    let restored = 0;
    for (const e of eligibilities.filter((x) => !held.some((h) => sameGrant(h, x)))) {
      // Until it would have ended anyway, within what the role's settings allow now (issue 18, point 9).
      const expiry = restoredExpiry(
        e.endDateTime,
        await ctx.rbac.eligibilityRule(e.scope, e.roleDefinitionId),
        Date.now(),
      );
      if (expiry === "expired") {
        lapsed.push(`${roleName(e.roleDefinitionId)} at ${e.scope} (eligible until ${e.endDateTime})`);
        continue;
      }
      await ctx.rbac.requestEligibility("AdminAssign", e, "Warden undo", expiry);
      restored++;
    }
    const notBack =
      lapsed.length === 0 ? "" : `; not restored, they would have ended by now: ${lapsed.join(", ")}`;
    return `recreated ${recreated} Azure role assignment(s) with the same role, scope, principal and name, and ${restored} eligibility(ies)${notBack}`;
  },
};

/** What the execution's note says of grants Warden found gone, or undefined when there are none. */
function notes(leftWithSubscription: readonly string[], alreadyGone: readonly string[]): string | undefined {
  const said = [
    ...(leftWithSubscription.length === 0
      ? []
      : [
          `${leftWithSubscription.length} grant(s) left the directory with their subscription before they could be removed`,
        ]),
    ...(alreadyGone.length === 0
      ? []
      : [`${alreadyGone.length} grant(s) were already gone when Warden came: undo will not give them back`]),
  ];
  return said.length === 0 ? undefined : said.join("; ");
}

/** The principal's eligibilities now, read where `those` are (their subscriptions; the root always). */
async function heldEligibilities(
  ctx: RespondContext,
  principalId: string,
  those: readonly AzureEligibility[],
): Promise<AzureEligibility[]> {
  const subscriptions = [...new Set(those.flatMap((e) => subscriptionOf(e.scope) ?? []))];
  return (await ctx.rbac.eligibilitiesAndGaps(subscriptions, principalId)).eligibilities;
}

/** Same role at the same scope for the same principal: the same grant, whatever its id. */
function sameGrant(a: AzureEligibility, b: AzureEligibility): boolean {
  return (
    a.principalId === b.principalId &&
    guidOf(a.roleDefinitionId) === guidOf(b.roleDefinitionId) &&
    trim(a.scope) === trim(b.scope)
  );
}

/** Whether a removal failed because the grant's subscription is no longer in the directory. */
async function leftTheDirectory(ctx: RespondContext, a: { scope: string }, error: unknown): Promise<boolean> {
  const status = classifyFailure(error).status;
  // ARM: 404 SubscriptionNotFound, or 401 InvalidAuthenticationTokenTenant once it is another tenant's.
  if (status !== 404 && status !== 401) return false;
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1]?.toLowerCase();
  if (subscription === undefined) return false;
  const listed = (await ctx.subscriptions()).map((id) => id.toLowerCase());
  return !listed.includes(subscription);
}

const trim = (scope: string) => scope.replace(/\/+$/, "").toLowerCase();
const guidOf = (definitionId: string) => (definitionId.split("/").pop() ?? definitionId).toLowerCase();
const subscriptionOf = (scope: string) => /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase();

/** The subscriptions whose assignments may hold what the limit names (management group and root are always read). */
/** A scope Warden could not read holds what a plan needs: the action fails with what to do. */
class UnreadableScope extends Error {
  readonly code = "ScopeNotReadable";
}

function subscriptionsToRead(visible: readonly string[], limit: PrivilegeLimit | undefined): string[] {
  if (limit === undefined) return [...visible];
  const wanted = new Set([
    ...(limit.subscriptionIds ?? []).map((id) => id.toLowerCase()),
    ...(limit.grants ?? []).flatMap((g) =>
      g.kind === "azure-role" && subscriptionOf(g.scope) !== undefined
        ? [subscriptionOf(g.scope) as string]
        : [],
    ),
  ]);
  return visible.filter((id) => wanted.has(id.toLowerCase()));
}

/** Whether an assignment or an eligibility is one the limit names. */
function isNamed(a: { scope: string; roleDefinitionId: string }, limit: PrivilegeLimit | undefined): boolean {
  if (limit === undefined) return ["subscription", "management-group", "root"].includes(scopeLevel(a.scope));
  const granted = (limit.grants ?? []).some(
    (g) =>
      g.kind === "azure-role" &&
      guidOf(g.roleDefinitionId) === guidOf(a.roleDefinitionId) &&
      trim(g.scope) === trim(a.scope),
  );
  const inSubscription = (limit.subscriptionIds ?? []).some(
    (id) => subscriptionOf(a.scope) === id.toLowerCase(),
  );
  return granted || inSubscription;
}

function describe(limit: PrivilegeLimit): string {
  const grants = (limit.grants ?? []).flatMap((g) =>
    g.kind === "azure-role" ? [`${roleName(g.roleDefinitionId)} at ${g.scope}`] : [],
  );
  const subscriptions = (limit.subscriptionIds ?? []).map((id) => `in subscription ${id}`);
  return `named by the incident (${[...grants, ...subscriptions].join("; ")})`;
}

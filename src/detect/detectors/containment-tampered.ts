import { type ContainmentObject, isWarden } from "../detect-config.js";
import { type Detector, finding, subjectOf } from "../detector.js";
import type { CaPolicyChangedEvent, GroupChangedEvent, Principal } from "../event.js";
import type { HistoryView } from "../history-view.js";
import { principalLabel } from "../identity.js";

/** What each containment control does to the members of its group, for the summary. */
const CONTROL: Readonly<Record<string, string>> = { mfa: "MFA required", block: "sign-in blocked" };

/**
 * One of Warden's containment objects (its conditional access policy or its group, known by id) changed
 * by anyone but Warden: an attacker undoing containment (issue 18, point 10). A member removed from the
 * group is an account let out, and the finding is about that account, so it joins the incident that
 * contained it; any other change is about whoever made it.
 */
export const containmentTampered: Detector = {
  rule: "containment-tampered",
  severity: "high",
  kinds: ["ca-policy-changed", "group-changed"],
  detect(event, history, config) {
    if (event.kind !== "ca-policy-changed" && event.kind !== "group-changed") return [];
    // Warden's own changes never reach the rules (the engine drops them); checked here as well so the
    // rule is right wherever it runs.
    if (!event.succeeded || isWarden(event.actor, config)) return [];
    const what = event.kind === "ca-policy-changed" ? "policy" : "group";
    const id = (event.kind === "ca-policy-changed" ? event.policyId : event.groupId)?.toLowerCase();
    const kept = config.containmentObjects.find((o) => o.what === what && o.id.toLowerCase() === id);
    if (kept === undefined) return [];
    const told = event.kind === "ca-policy-changed" ? policyChange(event, kept) : groupChange(event, kept);
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectFor(told.about ?? event.actor, event.tenantId, history),
        actor: event.actor,
        summary: `${actorLabel(event.actor)} ${told.summary} (${event.operation})`,
        confidence: told.confidence,
      }),
    ];
  },
};

interface Told {
  summary: string;
  confidence: number;
  /** Whom the finding is about when not the actor. */
  about?: Principal;
}

function policyChange(event: CaPolicyChangedEvent, kept: ContainmentObject): Told {
  const policy = `Warden's conditional access policy ${kept.id} (${controlOf(kept)})`;
  if (event.change === "deleted")
    return { summary: `deleted ${policy}: no one in its group is contained any more`, confidence: 0.85 };
  return { summary: `changed ${policy}: containment may no longer hold`, confidence: 0.75 };
}

function groupChange(event: GroupChangedEvent, kept: ContainmentObject): Told {
  const group = `Warden's containment group ${kept.id} (${controlOf(kept)})`;
  const member = principalLabel(event.member);
  switch (event.change) {
    case "member-removed":
      return {
        summary: `removed ${member} from ${group}: ${member} is no longer contained`,
        confidence: 0.85,
        ...(event.member === undefined ? {} : { about: event.member }),
      };
    case "member-added":
      return { summary: `added ${member} to ${group}, which Warden did not decide`, confidence: 0.6 };
    case "deleted":
      return { summary: `deleted ${group}: no one in it is contained any more`, confidence: 0.85 };
  }
}

function controlOf(kept: ContainmentObject): string {
  return CONTROL[kept.control] ?? kept.control;
}

function subjectFor(principal: Principal | undefined, tenantId: string, history: HistoryView) {
  return principal === undefined
    ? { type: "tenant" as const, id: tenantId }
    : subjectOf(principal, history.isExternal(principal));
}

/**
 * Who changed it. An app is named by its ids as well as its display name, and said not to be Warden:
 * any admin can name an app "Warden", and a card reading "Warden removed X from Warden's group" would be
 * dismissed.
 */
function actorLabel(actor: Principal | undefined): string {
  if (actor?.type !== "servicePrincipal") return principalLabel(actor);
  const ids = [actor.appId && `app id ${actor.appId}`, actor.id && `service principal ${actor.id}`].filter(
    Boolean,
  );
  return `the app ${JSON.stringify(actor.displayName ?? "(no name)")} (${ids.join(", ") || "no id"}; not Warden's)`;
}

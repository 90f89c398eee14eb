import type { SentActivity } from "../sim/bot/connector.js";
import type { SimDirectory } from "../sim/tenant/directory.js";

/** What the card says a Global Administrator must do: Warden's own words (incident-card.ts). */
const ASKED = "A Global Administrator must do this";
/** The shell step's policy body, as the card shows it once Teams has rendered its markdown. */
const BODY = /--body '(\{[^']*\})'/;
/** CommonMark's backslash escapes (markdown-text.ts adds them): what a reader of the card sees. */
const rendered = (markdown: string) => markdown.replace(/\\([\\`*_{}[\]()#+\-.!|<>~:@&])/g, "$1");

/**
 * The demo's Global Administrator (issue 18, point 1): reads the incident cards Warden posts in the
 * channel and, when the newest version of one asks for the transfer policy, does what its shell step says,
 * as a person at the portal would: elevates access and sets the policy the card's command sets. Nothing
 * else: the body is read from the card, so a card that asked for the wrong thing would be followed wrongly.
 */
export function administratorAtTheDesk(
  sent: readonly SentActivity[],
  directory: SimDirectory,
  adminId: string,
  progress: (line: string) => void,
): { stop(): void } {
  const tick = () => {
    const newest = new Map<string, SentActivity>();
    for (const activity of sent) newest.set(`${activity.conversationId}/${activity.activityId}`, activity);
    for (const activity of newest.values()) {
      const wanted = askedPolicy(activity);
      if (wanted === undefined) continue;
      const now = directory.policy;
      if (
        now.blockSubscriptionsLeavingTenant === wanted.blockSubscriptionsLeavingTenant &&
        now.blockSubscriptionsIntoTenant === wanted.blockSubscriptionsIntoTenant &&
        now.exemptedPrincipals.join() === wanted.exemptedPrincipals.join()
      )
        continue;
      progress(
        `warden demo: a Global Administrator sets the transfer policy as the card asks (leaving ${wanted.blockSubscriptionsLeavingTenant ? "blocked" : "allowed"})`,
      );
      directory.administratorSetsTransferPolicy(
        adminId,
        wanted.blockSubscriptionsLeavingTenant,
        wanted.blockSubscriptionsIntoTenant,
        wanted.exemptedPrincipals,
      );
    }
  };
  const timer = setInterval(tick, 1_000);
  return { stop: () => clearInterval(timer) };
}

function askedPolicy(activity: SentActivity):
  | {
      blockSubscriptionsLeavingTenant: boolean;
      blockSubscriptionsIntoTenant: boolean;
      exemptedPrincipals: string[];
    }
  | undefined {
  const texts: string[] = [];
  collectTexts(activity.activity["attachments"], texts);
  const at = texts.findIndex((t) => rendered(t).startsWith(ASKED));
  if (at < 0) return undefined;
  for (const step of texts.slice(at + 1)) {
    const body = BODY.exec(rendered(step))?.[1];
    if (body === undefined) continue;
    // The shell step shows exactly what the administrator would paste (its --body).
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const exempted = parsed["exemptedPrincipals"];
    return {
      blockSubscriptionsLeavingTenant: parsed["blockSubscriptionsLeavingTenant"] === true,
      blockSubscriptionsIntoTenant: parsed["blockSubscriptionsIntoTenant"] === true,
      exemptedPrincipals: Array.isArray(exempted) ? exempted.map(String) : [],
    };
  }
  return undefined;
}

/** Every TextBlock's text in a card, in order. */
function collectTexts(node: unknown, into: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTexts(item, into);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const element = node as Record<string, unknown>;
  if (element["type"] === "TextBlock" && typeof element["text"] === "string") into.push(element["text"]);
  for (const value of Object.values(element)) if (typeof value === "object") collectTexts(value, into);
}

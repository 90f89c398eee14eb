import { markdownText as md } from "../cards/markdown-text.js";

/** A team channel other than the incident channel where Warden was just added, or talked to. */
export interface OtherPlace {
  event: "installed" | "talked";
  /** The team's and channel's names as Teams gave them (ids when it gave none): chosen by their owner. */
  team: string;
  channel: string;
  /** Who did it: their display name (their choice too) and Entra object id. */
  who: { name: string; id: string };
}

/**
 * The chat message the incident channel gets about another place. Every name in it is the owner's text,
 * escaped as text (a team named like a link reads as that text); the words around it are Warden's.
 */
export function otherPlaceNotice(place: OtherPlace): string {
  const where = `team ${md(place.team)}, channel ${md(place.channel)}`;
  const who = `${md(place.who.name)} (${md(place.who.id)})`;
  const what =
    place.event === "installed"
      ? `**Warden was added to another team**: ${where}, by ${who}.`
      : `**Someone talked to Warden in another team**: ${where}, ${who}.`;
  return `${what} Incident cards stay in this channel; if Warden was not meant to be there, remove it from that team.`;
}

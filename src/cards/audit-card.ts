import { adaptiveCard, type Element } from "./adaptive-card.js";
import { heading, text } from "./card-parts.js";
import { auditLines, commandFor, type TrailEntry } from "./incident-words.js";
import { markdownText as md } from "./markdown-text.js";

/** Entries shown on the card: the latest ones; chat's `history <id>` lists them all. */
const SHOWN = 40;

/**
 * An incident's audit trail as a card: every decision and transition as a sentence, who and when, oldest
 * first, under the incident's id and title so it is matched to its card and to `history <id>`. Given an
 * id alone (a caller that has no title at hand), the card names the incident by its id.
 */
export function auditCard(
  incident: string | { id: string; title: string },
  trail: readonly TrailEntry[],
): Element {
  const { id, title } = typeof incident === "string" ? { id: incident, title: undefined } : incident;
  const shown = trail.slice(-SHOWN);
  const skipped = trail.length - shown.length;
  return adaptiveCard([
    heading(`History of incident ${md(id)}`),
    ...(title === undefined ? [] : [text(md(title), { spacing: "None" })]),
    ...(skipped > 0
      ? [
          text(
            `The last ${SHOWN} of ${trail.length} entries; ${commandFor("history", id)} in chat lists them all.`,
            { isSubtle: true },
          ),
        ]
      : []),
    ...auditLines(shown).map((line) => text(line, { spacing: "Small" })),
  ]);
}

import type { Element } from "./adaptive-card.js";
import { markdownText as md } from "./markdown-text.js";

/** The building blocks every Warden card is made of: text that wraps, headings, facts, times. */

export function text(value: string, extra: Element = {}): Element {
  return { type: "TextBlock", text: value, wrap: true, ...extra };
}

/** A section's title: a heading to screen readers and Teams' own styles, not only bold text. */
export const heading = (value: string): Element =>
  text(value, { style: "heading", weight: "Bolder", spacing: "Medium" });

/** Facts whose values are data (names, UPNs, addresses): escaped, as a fact's value is markdown too. */
export function facts(pairs: readonly (readonly [string, string | undefined])[]): Element {
  return {
    type: "FactSet",
    facts: pairs
      .filter((p): p is readonly [string, string] => p[1] !== undefined && p[1] !== "")
      .map(([title, value]) => ({ title, value: md(value) })),
  };
}

/** A time to the second, in UTC, said so: analysts in several time zones read the same card. */
export const time = (t: number): string => `${new Date(t).toISOString().replace("T", " ").slice(0, 19)} UTC`;

/** The time of day only (`07:46:12`), for lines under a header that already gives the date. */
export const clock = (t: number): string => new Date(t).toISOString().slice(11, 19);

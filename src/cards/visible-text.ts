import type { Element } from "./adaptive-card.js";

/**
 * The text a card shows before anything is toggled or opened: TextBlocks and facts outside hidden
 * containers and outside ShowCard sub-cards. What the header's budget (about 700 characters, issue 25)
 * is measured on; markdown escapes count as the reader sees them (without the backslashes).
 */
export function visibleText(card: Element): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const el = node as Element;
    if (el["isVisible"] === false) return;
    if (el["type"] === "Action.ShowCard") return;
    if (el["type"] === "TextBlock" && typeof el["text"] === "string") out.push(shown(el["text"]));
    if (el["type"] === "FactSet" && Array.isArray(el["facts"]))
      for (const f of el["facts"] as { title?: string; value?: string }[])
        out.push(`${f.title ?? ""} ${shown(f.value ?? "")}`);
    for (const key of ["body", "items", "columns"]) if (key in el) walk(el[key]);
  };
  walk(card["body"]);
  return out;
}

/** Markdown as read: escapes and link targets are not shown. */
function shown(markdown: string): string {
  return (
    markdown
      // A link reads as its label: `[label](url)` shows "label".
      .replace(/\[((?:\\.|[^\]\\])*)\]\([^)]*\)/g, "$1")
      // Warden's own bold (unescaped **) is markup; an escaped \* in data is text and counts.
      .replace(/(?<!\\)\*\*/g, "")
      .replace(/\\(.)/g, "$1")
  );
}

/** The number of characters shown before any toggle. */
export const visibleLength = (card: Element): number => visibleText(card).join("\n").length;

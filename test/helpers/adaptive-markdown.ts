import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";

/**
 * What a markdown renderer makes of card text, judged without the escaping function under test:
 * `reading` applies CommonMark's backslash escapes (a backslash before ASCII punctuation shows that
 * character plainly) and says, for each character shown, whether it was escaped. `unescapedMarkup`
 * then finds what could still become markup: a markdown character shown unescaped, or the start of an
 * autolink (a scheme, `www.`, an address) whose punctuation nothing escaped.
 */

const ESCAPABLE = /[!-/:-@[-`{-~]/;
/** Characters that open or close markup in Teams' subset (links, emphasis, code, lists, headings, HTML). */
const MARKUP = new Set([..."\\`*_[]()<>#+-!|~&"]);

export interface Reading {
  /** The text a reader sees. */
  shown: string;
  /** Per character of `shown`: was it escaped in the card? */
  escaped: boolean[];
}

export function reading(raw: string): Reading {
  let shown = "";
  const escaped: boolean[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    const next = raw.charAt(i + 1);
    if (c === "\\" && ESCAPABLE.test(next)) {
      shown += next;
      escaped.push(true);
      i++;
    } else {
      shown += c;
      escaped.push(false);
    }
  }
  return { shown, escaped };
}

/**
 * The markup a renderer could still act on inside `payload` wherever the card shows it: each entry names
 * the character or autolink and its place. Empty when every occurrence is inert text.
 */
export function unescapedMarkup(raw: string, payload: string): string[] {
  const { shown, escaped } = reading(raw);
  const found: string[] = [];
  for (let at = shown.indexOf(payload); at >= 0; at = shown.indexOf(payload, at + 1)) {
    for (let i = at; i < at + payload.length; i++) {
      const c = shown.charAt(i);
      if (MARKUP.has(c) && escaped[i] !== true) found.push(`'${c}' at ${i - at}`);
    }
    // An autolink needs its `:`, `.` or `@` as plain characters: any of them shown unescaped within a
    // scheme, host or address is a link a renderer may draw.
    const part = shown.slice(at, at + payload.length);
    for (const m of part.matchAll(/https?:|www\.|[\w.+-]+@[\w-]+\.\w|\w\.[a-z]{2,}\b/gi)) {
      const start = at + (m.index ?? 0);
      const glue = [...m[0]].some((c, k) => ".:@".includes(c) && escaped[start + k] !== true);
      if (glue) found.push(`autolink "${m[0]}"`);
    }
  }
  return found;
}

/**
 * Every text a card renders as markdown: TextBlocks and FactSet facts (title and value), inside containers
 * and sub-cards. Choice titles and input labels are plain text in Adaptive Cards, so they are not here.
 */
export function cardTexts(card: unknown): string[] {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    if (o["type"] === "TextBlock" && typeof o["text"] === "string") texts.push(o["text"]);
    if (o["type"] === "FactSet" && Array.isArray(o["facts"])) {
      for (const f of o["facts"] as { title?: unknown; value?: unknown }[])
        for (const v of [f.title, f.value]) if (typeof v === "string") texts.push(v);
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(card);
  return texts;
}

/** The demo console's own markdown renderer (console/markdown.js), run as the browser runs it. */
export function consoleMarkdown(): (text: string) => string {
  const code = readFileSync(new URL("../../console/markdown.js", import.meta.url), "utf8");
  const sandbox: { wardenMarkdown?: (text: string) => string } = {};
  runInNewContext(code, sandbox);
  const render = sandbox.wardenMarkdown;
  if (render === undefined) throw new Error("console/markdown.js did not define wardenMarkdown");
  return render;
}

/**
 * Text from a log or from the tenant (a display name, a UPN, a scope, an error message, a reason someone
 * typed) made safe for the markdown Teams renders in Adaptive Card TextBlocks, FactSet facts and chat
 * messages: bold, italics, links, lists, headings, code and autolinks (`https://…`, `www.…`, `a@b.c`).
 * Anyone who can write to the logs Warden reads chooses these strings, and the card is the SOC's most
 * trusted surface: a guest named `[Verified by Microsoft](https://evil.example)` must read as exactly
 * that text, never as a link.
 *
 * Every ASCII punctuation mark markdown gives a meaning to gets a backslash (CommonMark escapes any ASCII
 * punctuation, and an escaped character can never open, close or take part in markup): `.`, `:` and `@`
 * too, so no scheme, domain or address is left whole for an autolinker. Line breaks become spaces (a list
 * or heading only starts a line), and invisible or direction-changing characters become U+FFFD, so the
 * text shown is the text logged, in the order logged.
 *
 * This is the only escaping function: every card builder and every chat reply runs data through it;
 * Warden's own markup (`**bold**` around its own words, links it built from checked ids) is added around
 * the escaped text, never inside it.
 */
export function markdownText(value: string): string {
  return value
    .replace(LINE_BREAKS, " ")
    .replace(INVISIBLE_OR_CONTROL, "\uFFFD")
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

/** Every character a markdown parser or autolinker may act on (CommonMark's escapable punctuation). */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-.!|<>~:@&]/g;
const LINE_BREAKS = /\r\n|[\r\n\t\v\f\u0085\u2028\u2029]/g;
/**
 * C0/C1 controls, zero-width spaces, direction marks and overrides (text that reads in another order),
 * invisible operators and the BOM. Joiners (U+200C, U+200D) stay: scripts and emoji need them.
 */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/**
 * Hosts Warden links to from a card: the Entra admin center and the Azure portal. A link to anything
 * else is never built, whatever a record says.
 */
const PORTAL = /^https:\/\/(?:entra\.microsoft\.com|portal\.azure\.com)\/[A-Za-z0-9/#~_.%-]*$/;

/**
 * Warden's own link: `label` is escaped like any text, and the link is kept only when `url` is one of
 * the portal addresses Warden builds (no parenthesis, space or other host can end the link early or
 * send it elsewhere); otherwise the label is shown alone.
 */
export function portalLinkText(label: string, url: string | undefined): string {
  const text = markdownText(label);
  return url !== undefined && PORTAL.test(url) ? `[${text}](${url})` : text;
}

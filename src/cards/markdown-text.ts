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
  return plainText(value).replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

/**
 * Text from a log or the tenant for a card field Teams shows as plain text, never markdown (a choice's
 * title): one line, with invisible and direction-changing characters shown as U+FFFD, but no backslashes
 * (there they would be shown as typed). The choice set of "Approve selected" names the accounts an
 * approver is about to disable: a right-to-left mark there would make one account read as another.
 */
export function plainText(value: string): string {
  return value.replace(LINE_BREAKS, " ").replace(INVISIBLE_OR_CONTROL, "\uFFFD");
}

/** Every character a markdown parser or autolinker may act on (CommonMark's escapable punctuation). */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-.!|<>~:@&]/g;
const LINE_BREAKS = /\r\n|[\r\n\t\v\f\u0085\u2028\u2029]/g;
/**
 * C0/C1 controls and every format character (Unicode's Cf: zero-width spaces, direction marks, embeddings,
 * overrides and isolates, the Arabic letter mark U+061C, the soft hyphen, invisible operators, the BOM,
 * and the tag characters U+E0000–E007F that can carry a whole hidden ASCII text), lone surrogates, and
 * the fillers that show as blank letters (U+034F, Hangul U+115F, U+1160, U+3164, U+FFA0, Khmer U+17B4,
 * U+17B5): a name made of them reads as empty, or as another. Joiners (U+200C, U+200D) stay: scripts and
 * emoji need them. Each is one code point matched on its own, so this runs in linear time.
 */
const INVISIBLE_OR_CONTROL =
  /(?![\u200c\u200d])(?:[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]|\u034f|\u17b4|\u17b5)/gu;

/**
 * Hosts Warden links to from a card: the Entra admin center and the Azure portal, and one Defender alert
 * by its id and tenant (`?tid=`, the only query allowed). A link to anything else is never built,
 * whatever a record says.
 */
const PORTAL =
  /^https:\/\/(?:(?:entra\.microsoft\.com|portal\.azure\.com)\/[A-Za-z0-9/#~_.%-]*|security\.microsoft\.com\/alerts\/[A-Za-z0-9_-]{1,128}\?tid=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Warden's own link: `label` is escaped like any text, and the link is kept only when `url` is one of
 * the portal addresses Warden builds (no parenthesis, space or other host can end the link early or
 * send it elsewhere); otherwise the label is shown alone.
 */
export function portalLinkText(label: string, url: string | undefined): string {
  const text = markdownText(label);
  return url !== undefined && PORTAL.test(url) ? `[${text}](${url})` : text;
}

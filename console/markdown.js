// The little Markdown Teams renders in cards and chat, as the demo console draws it: bold, code, and
// links to the Entra admin center and the Azure portal only. Everything is HTML-escaped first, so text
// from the tenant is never HTML. A backslash before ASCII punctuation makes it a plain character, as in
// Teams: Warden escapes every string from a log or the tenant that way (src/cards/markdown-text.ts), so
// a guest named like a link reads as that text and is no link.
// Wrapped: a classic script's top-level names are global, and console.js has a `markdown` of its own.
(() => {
  "use strict";

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function markdown(text) {
    // Escaped characters are set aside (as numbered placeholders no text can hold) so no rule below sees them.
    const literals = [];
    const held = String(text)
      .replace(/\u0000/g, "\uFFFD")
      .replace(/\\([!-/:-@[-`{-~])/g, (_, c) => `\u0000${literals.push(c) - 1}\u0000`);
    return escapeHtml(held)
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(
        /\[([^\]]+)\]\((https:\/\/(?:entra\.microsoft\.com|portal\.azure\.com)\/[^)\s"]*)\)/g,
        '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>',
      )
      .replace(/\n/g, "<br>")
      .replace(/\u0000(\d+)\u0000/g, (_, i) => escapeHtml(literals[Number(i)] ?? ""));
  }

  globalThis.wardenMarkdown = markdown;
})();

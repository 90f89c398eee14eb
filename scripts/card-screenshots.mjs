#!/usr/bin/env node
// Pictures of Adaptive Cards for the docs, drawn as the demo console draws them: the adaptivecards
// renderer from node_modules, the console's host configs, Markdown and CSS (console/card-host.js,
// console/markdown.js, console/console.css), in Debian's Chromium through playwright-core.
//
//   node scripts/card-screenshots.mjs --in cards.json --out DIR [--chromium /usr/bin/chromium]
//
// cards.json is a JSON array of {"name": string, "card": <Adaptive Card JSON>}. For each card it writes
// DIR/<name>.png (560 px wide, light) and DIR/<name>-360-dark.png (360 px wide, dark: a phone at night).
// Exit code 0 when every picture was written, 1 when a card could not be drawn, 2 on bad arguments.
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const VARIANTS = [
  { suffix: "", width: 560, theme: "light" },
  { suffix: "-360-dark", width: 360, theme: "dark" },
];
// Without these, Chromium keeps calling Google's hosts, which a closed network refuses (as in the tests).
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function fail(message) {
  process.stderr.write(`card-screenshots: ${message}\n`);
  process.exit(2);
}

async function readCards(path) {
  let cards;
  try {
    cards = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    fail(`cannot read ${path} as JSON: ${error.message}`);
  }
  if (!Array.isArray(cards)) fail(`${path} must hold a JSON array of {"name", "card"}`);
  const names = new Set();
  for (const [i, entry] of cards.entries()) {
    // A name becomes a file name: no path, nothing a shell or a docs link would trip on.
    if (typeof entry?.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(entry.name))
      fail(`entry ${i}: "name" must be letters, digits, ".", "_" or "-" (it names the file)`);
    if (names.has(entry.name)) fail(`entry ${i}: the name "${entry.name}" is used twice`);
    if (typeof entry.card !== "object" || entry.card === null) fail(`entry ${i} (${entry.name}): no "card" object`);
    names.add(entry.name);
  }
  return cards;
}

/** A page holding the console's renderer and styles, in one theme at one width. */
async function consolePage(browser, { width, theme }) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: theme });
  const page = await context.newPage();
  await page.setContent(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body><div id="holder"></div></body></html>`,
  );
  const require = createRequire(import.meta.url);
  await page.addStyleTag({ path: join(root, "console/console.css") });
  // The card's edge shows against a page of the same colour; the picture is exactly `width` wide.
  await page.addStyleTag({
    content: `body { margin: 0; } #holder { width: ${width}px; box-sizing: border-box; border: 1px solid var(--line); }`,
  });
  await page.addScriptTag({ path: require.resolve("adaptivecards/dist/adaptivecards.min.js") });
  await page.addScriptTag({ path: join(root, "console/markdown.js") });
  await page.addScriptTag({ path: join(root, "console/card-host.js") });
  return { context, page };
}

async function main() {
  const { values } = parseArgs({
    options: {
      in: { type: "string" },
      out: { type: "string" },
      chromium: { type: "string", default: process.env.WARDEN_CHROMIUM_PATH ?? "/usr/bin/chromium" },
    },
  });
  if (values.in === undefined || values.out === undefined)
    fail("usage: node scripts/card-screenshots.mjs --in cards.json --out DIR [--chromium PATH]");
  const cards = await readCards(values.in);
  await mkdir(values.out, { recursive: true });
  const browser = await chromium.launch({ executablePath: values.chromium, args: CHROMIUM_ARGS });
  let failed = 0;
  try {
    for (const variant of VARIANTS) {
      const { context, page } = await consolePage(browser, variant);
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      for (const { name, card } of cards) {
        const drawn = await page.evaluate(
          ([json, theme]) => {
            const holder = document.getElementById("holder");
            holder.replaceChildren(globalThis.wardenCards.render(json, theme));
            return {
              rendered: holder.querySelector(".ac-adaptiveCard") !== null,
              // Wider than the picture: something in the card itself does not wrap (a ColumnSet...).
              overflow: holder.scrollWidth > holder.clientWidth,
            };
          },
          [card, variant.theme],
        );
        await page.evaluate(() => document.fonts.ready);
        const file = join(values.out, `${name}${variant.suffix}.png`);
        if (!drawn.rendered || errors.length > 0) {
          failed += 1;
          process.stderr.write(`card-screenshots: ${name}: not drawn ${errors.splice(0).join("; ")}\n`);
          continue;
        }
        if (drawn.overflow)
          process.stderr.write(`card-screenshots: ${name}: wider than ${variant.width} px, clipped\n`);
        await page.locator("#holder").screenshot({ path: file });
        process.stdout.write(`${file}\n`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  process.exit(failed === 0 ? 0 : 1);
}

await main();

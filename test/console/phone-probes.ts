import type { Page } from "playwright-core";

/**
 * What the console test reads in the page about its layout and colours. The probes are page-side
 * JavaScript in strings: the project's type check has no DOM types, and the console's
 * Content-Security-Policy refuses injected script tags (page.evaluate is not subject to it).
 */

/** Strings no break opportunity helps with, as a guest's incident carries them. */
export const UNBROKEN = {
  ipv6: "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
  upn: "it.support_outlook-helpdesk.net#EXT#@contoso-lab.onmicrosoft.com",
  guid: "df42ad1f40c143f4a38980a49ee24ecf",
  resource:
    "/subscriptions/df42ad1f-40c1-43f4-a389-80a49ee24ecf/providers/Microsoft.Authorization/roleAssignments/0b3c1a6e9f2d4c8b",
};

/** A card of long strings in a fact set, a text block and button titles, as the renderer draws cards. */
const STRESS_CARD = {
  type: "AdaptiveCard",
  version: "1.5",
  body: [
    { type: "TextBlock", text: "Layout probe", weight: "Bolder", wrap: true },
    {
      type: "FactSet",
      facts: [
        { title: "Sign-in", value: UNBROKEN.ipv6 },
        { title: "Subject", value: UNBROKEN.upn },
        { title: "Object id", value: UNBROKEN.guid },
      ],
    },
    { type: "TextBlock", text: `Owner at ${UNBROKEN.resource} from ${UNBROKEN.ipv6}`, wrap: true },
  ],
  actions: ["Approve", "Approve selected…", "Deny", "Who", "Timeline (12)", "Evidence (8)"].map((title) => ({
    type: "Action.Execute",
    verb: "noop",
    title,
  })),
};

/** Draws the stress card into the channel with the page's own renderer and theme (once per page). */
export async function addStressCard(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    if (document.querySelector("[data-probe]") !== null) return;
    const article = document.createElement("article");
    article.className = "message";
    article.dataset.probe = "stress";
    const body = document.createElement("div");
    body.className = "card";
    body.append(wardenCards.render(${JSON.stringify(STRESS_CARD)}, wardenCards.preferredTheme()));
    article.append(body);
    document.getElementById("channel").append(article);
  })()`);
}

export interface Layout {
  scrollWidth: number;
  innerWidth: number;
  /** The tenant panel's top is at or below the channel's bottom. */
  tenantBelowChannel: boolean;
  /** Text blocks whose text is wider than their box (cut off by the renderer's overflow: hidden). */
  clippedText: string[];
  /** Elements of the channel or the tenant panel reaching past the viewport's right edge. */
  pastTheEdge: string[];
}

export function layout(page: Page): Promise<Layout> {
  return page.evaluate(`(() => {
    const describe = (e) => e.tagName + "." + e.className + ": " + (e.textContent ?? "").slice(0, 60);
    const channel = document.querySelector(".channel").getBoundingClientRect();
    const tenant = document.querySelector("aside").getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      tenantBelowChannel: tenant.top >= channel.bottom,
      clippedText: [...document.querySelectorAll(".ac-textBlock")]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map(describe),
      pastTheEdge: [...document.querySelectorAll(".channel *, aside *")]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(describe),
    };
  })()`) as Promise<Layout>;
}

/** Any incident, posture or other card Warden posted, as the console drew it (not the stress card). */
export const POSTED_CARD = "#channel article:not([data-probe]) .card > .ac-adaptiveCard";

export interface Colours {
  page: string;
  /** Each posted card's own background. */
  cardBackgrounds: string[];
  /** The colour of every text block of the posted cards (whatever their content, most are body text). */
  cardTexts: string[];
  /** A fact's value in the stress card: the default text colour on the default container. */
  factValue: string;
}

export function colours(page: Page): Promise<Colours> {
  return page.evaluate(`(() => {
    const style = (e) => getComputedStyle(e);
    const cards = [...document.querySelectorAll(${JSON.stringify(POSTED_CARD)})];
    const fact = document.querySelector("[data-probe] .ac-factset td:last-child .ac-textBlock");
    return {
      page: style(document.documentElement).backgroundColor,
      cardBackgrounds: cards.map((c) => style(c).backgroundColor),
      cardTexts: cards.flatMap((c) => [...c.querySelectorAll(".ac-textBlock")]).map((e) => style(e).color),
      factValue: style(fact).color,
    };
  })()`) as Promise<Colours>;
}

/** The median luminance of colours: what most of them look like, whatever a few coloured ones are. */
export function medianLuminance(css: readonly string[]): number {
  const sorted = css.map(luminance).sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no colours to judge");
  return middle;
}

/** Relative luminance (WCAG) of a computed `rgb()`/`rgba()` colour: 0 black, 1 white. */
export function luminance(css: string): number {
  const parts = /rgba?\(([^)]+)\)/
    .exec(css)?.[1]
    ?.split(/[ ,/]+/)
    .map(Number);
  if (parts === undefined || parts.length < 3) throw new Error(`not an rgb() colour: ${css}`);
  if (parts.length > 3 && parts[3] === 0) throw new Error(`a transparent colour says nothing: ${css}`);
  const [r, g, b] = parts.slice(0, 3).map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

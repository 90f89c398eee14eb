// How the demo console draws an Adaptive Card, shared with scripts/card-screenshots.mjs so that the
// pictures in the docs are the console's own: the host configs (a light and a dark theme, following the
// page's colours in console.css), the Markdown the cards may carry (console/markdown.js) and the render
// call. A classic script after adaptivecards.min.js and markdown.js; it sets `globalThis.wardenCards`.
// Wrapped: a classic script's top-level names are global.
(() => {
  "use strict";

  // Each theme's colours, chosen for contrast: body text about 15:1 on its card, subtle text and every
  // status colour at least 4.5:1 (WCAG AA) on the card and on the tinted containers the cards use
  // (an incident's header sits in an "attention" or "emphasis" container).
  const PALETTES = {
    light: {
      card: "#FFFFFF",
      text: "#242424",
      subtle: "#616161",
      line: "#E0E0E0",
      backgrounds: { emphasis: "#F0F0F0", accent: "#EBEBF7", good: "#E7F2DA", attention: "#FCF0F1", warning: "#FBF6D9" },
      colors: { accent: "#4F52B2", good: "#0E700E", warning: "#8A5300", attention: "#B10E1C", dark: "#000000", light: "#FFFFFF" },
    },
    dark: {
      card: "#292929",
      text: "#FFFFFF",
      subtle: "#C8C8C8",
      line: "#474747",
      backgrounds: { emphasis: "#333333", accent: "#2F2F4A", good: "#1F2E18", attention: "#3E1F25", warning: "#3D3214" },
      colors: { accent: "#A9ACFF", good: "#92C353", warning: "#F2C661", attention: "#FF9AA4", dark: "#FFFFFF", light: "#E0E0E0" },
    },
  };

  function foregrounds(p) {
    const pair = (value) => ({ default: value, subtle: value });
    return {
      default: { default: p.text, subtle: p.subtle },
      dark: pair(p.colors.dark),
      light: pair(p.colors.light),
      accent: pair(p.colors.accent),
      good: pair(p.colors.good),
      warning: pair(p.colors.warning),
      attention: pair(p.colors.attention),
    };
  }

  /** The host config of a theme ("light" or "dark") as JSON. */
  function hostConfig(theme) {
    const p = PALETTES[theme] ?? PALETTES.light;
    // Every container style in full: the renderer leaves any style not given without a background.
    const style = (backgroundColor) => ({ backgroundColor, foregroundColors: foregrounds(p) });
    return {
      supportsInteractivity: true,
      fontFamily: '"Segoe UI", system-ui, sans-serif',
      spacing: { small: 4, default: 8, medium: 16, large: 24, extraLarge: 32, padding: 14 },
      separator: { lineThickness: 1, lineColor: p.line },
      containerStyles: {
        default: style(p.card),
        emphasis: style(p.backgrounds.emphasis),
        accent: style(p.backgrounds.accent),
        good: style(p.backgrounds.good),
        attention: style(p.backgrounds.attention),
        warning: style(p.backgrounds.warning),
      },
      // Titles wrap and values wrap: a UPN or an action's title is never cut at 360 px.
      factSet: {
        title: { weight: "Bolder", wrap: true, maxWidth: 140, color: "Default", size: "Default" },
        value: { wrap: true, color: "Default", size: "Default" },
        spacing: 6,
      },
      actions: {
        maxActions: 6,
        allowTitleToWrap: true,
        buttonSpacing: 8,
        spacing: "Default",
        showCard: { actionMode: "Inline", inlineTopMargin: 12 },
        actionsOrientation: "Horizontal",
        actionAlignment: "Left",
      },
      textBlock: { headingLevel: 3 },
    };
  }

  const markdown = globalThis.wardenMarkdown;
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdown(text);
    result.didProcess = true;
  };

  /** The theme the page is shown in, as the browser reports the reader's preference. */
  function preferredTheme() {
    return globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  /** One card as an element (or a note that it could not be drawn); `onExecute` gets each click. */
  function render(json, theme, onExecute) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(hostConfig(theme));
    if (onExecute !== undefined) card.onExecuteAction = onExecute;
    card.parse(json);
    const element = card.render();
    return element ?? document.createTextNode("(this card could not be rendered)");
  }

  globalThis.wardenCards = { hostConfig, preferredTheme, render, themes: Object.keys(PALETTES) };
})();

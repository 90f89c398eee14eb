/** An Adaptive Card element, as Teams receives it. */
export type Element = Record<string, unknown>;

/** A top-level Adaptive Card: version 1.5, what Teams renders on every client (docs/architecture.md). */
export function adaptiveCard(body: readonly Element[], actions?: readonly Element[]): Element {
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    body,
    ...(actions === undefined ? {} : { actions }),
  };
}

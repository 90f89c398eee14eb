import { createRequire } from "node:module";

/**
 * What would stop a card from rendering, as Microsoft's own `adaptivecards` package parses and validates
 * it, plus what Teams needs of Warden's cards: every input named, every Action.Execute a verb Warden
 * handles, no empty TextBlock.
 */
const require = createRequire(import.meta.url);
const AC = require("adaptivecards/dist/adaptivecards.js") as {
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
  };
  SerializationContext: new () => {
    eventCount: number;
    getEventAt(i: number): { message: string; phase: number };
  };
};

export function cardProblems(card: unknown, verbs: readonly string[]): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const found: string[] = [];
  for (let i = 0; i < context.eventCount; i++) found.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) found.push(`validate: ${e.message}`);
  walk(card, (el) => {
    if (typeof el["type"] === "string" && el["type"].startsWith("Input.") && typeof el["id"] !== "string")
      found.push(`${el["type"]} without id`);
    if (el["type"] === "Action.Execute" && !verbs.includes(el["verb"] as string))
      found.push(`Action.Execute without a known verb (${String(el["verb"])})`);
    if (el["type"] === "TextBlock" && (typeof el["text"] !== "string" || el["text"] === ""))
      found.push("TextBlock without text");
  });
  return found;
}

function walk(node: unknown, visit: (el: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node !== null && typeof node === "object") {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

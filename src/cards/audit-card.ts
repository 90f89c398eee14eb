import { adaptiveCard, type Element } from "./adaptive-card.js";
import { text, time } from "./card-parts.js";
import { markdownText as md } from "./markdown-text.js";

/** An incident's audit trail as a card: every decision and transition, who and when, oldest first. */
export function auditCard(
  incidentId: string,
  trail: readonly {
    at: number;
    action: string;
    actorName?: string;
    toState?: string;
    detail?: Record<string, unknown>;
  }[],
): Element {
  // Audit actions and states are Warden's own words; names, reasons and outcomes are anyone's.
  const lines = trail.slice(-40).map((e) => {
    const reason = typeof e.detail?.["reason"] === "string" ? `: ${md(e.detail["reason"])}` : "";
    const outcome = typeof e.detail?.["outcome"] === "string" ? `: ${md(e.detail["outcome"])}` : "";
    return text(
      `${time(e.at)} **${e.action}**${e.actorName === undefined ? "" : ` by ${md(e.actorName)}`}${e.toState === undefined ? "" : ` → ${e.toState}`}${reason}${outcome}`,
      { spacing: "Small" },
    );
  });
  return adaptiveCard([
    text(`Audit trail of ${incidentId}`, { weight: "Bolder" }),
    ...(trail.length > 40
      ? [
          text(`(the last 40 of ${trail.length} entries; \`history ${incidentId}\` in chat lists them all)`, {
            isSubtle: true,
          }),
        ]
      : []),
    ...lines,
  ]);
}

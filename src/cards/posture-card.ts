import type { PostureChanges } from "../posture/changes.js";
import { subjectOfFinding, summaryLine } from "../posture/format.js";
import type { PostureFinding, PostureReport } from "../posture/types.js";
import { adaptiveCard, type Element } from "./adaptive-card.js";
import { markdownText as md } from "./markdown-text.js";

/** Findings shown in full; the rest are counted, with `warden posture` for the whole list. */
const SHOWN = 10;
/** Changes listed by name before "and N more". */
const CHANGES_SHOWN = 6;

/** Microsoft's reasons can list hundreds of scopes: the card keeps the start, `warden posture` the rest. */
const shortened = (reason: string) => (reason.length <= 300 ? reason : `${reason.slice(0, 299)}…`);

const text = (value: string, extra: Element = {}): Element => ({
  type: "TextBlock",
  text: value,
  wrap: true,
  ...extra,
});

/** One finding: severity, check and who or what (all the tenant's words escaped), then what is wrong; the fix behind a toggle. */
function findingBlock(f: PostureFinding, index: number): Element[] {
  const fixId = `fix-${index}`;
  return [
    {
      type: "Container",
      separator: true,
      items: [
        text(`**${f.severity.toUpperCase()}** · ${f.check} · ${md(subjectOfFinding(f))}`),
        text(md(f.detail), { spacing: "Small", isSubtle: true }),
        {
          type: "ActionSet",
          actions: [{ type: "Action.ToggleVisibility", title: "How to fix", targetElements: [fixId] }],
        },
        text(md(f.fix), { id: fixId, isVisible: false, spacing: "Small" }),
      ],
    },
  ];
}

const named = (findings: readonly PostureFinding[]) => {
  const names = findings.slice(0, CHANGES_SHOWN).map((f) => `${f.check} (${md(subjectOfFinding(f))})`);
  return `${names.join(", ")}${findings.length > CHANGES_SHOWN ? ` and ${findings.length - CHANGES_SHOWN} more` : ""}`;
};

/**
 * The posture card: what is open, worst first, each with its fix; what changed since the last card
 * (when posted on the schedule); and every check that could not be read, so that a short list is never
 * taken for a clean tenant. Capped at SHOWN findings to stay far under Teams' 28 KB message limit.
 */
export function postureCard(report: PostureReport, changes?: PostureChanges): Element {
  // However long the tenant's names, the card stays under Teams' 28 KB: fewer findings shown in full.
  for (let shown = SHOWN; ; shown = Math.floor(shown / 2)) {
    const card = cardShowing(report, changes, shown);
    if (shown === 0 || Buffer.byteLength(JSON.stringify(card)) <= MAX_BYTES) return card;
  }
}

/** Below Teams' 28 KB for a whole message, leaving room for the activity around the card. */
const MAX_BYTES = 24 * 1024;

function cardShowing(report: PostureReport, changes: PostureChanges | undefined, shown: number): Element {
  const open = report.findings.length;
  const body: Element[] = [
    text(
      open === 0 ? "Posture: no open door found" : `Posture: ${open} open ${open === 1 ? "door" : "doors"}`,
      {
        size: "Medium",
        weight: "Bolder",
        style: "heading",
      },
    ),
    text(`${md(summaryLine(report))} Read ${report.at.slice(0, 19).replace("T", " ")} UTC.`, {
      isSubtle: true,
      spacing: "Small",
    }),
  ];
  if (changes !== undefined && !changes.first) {
    const lines = [
      changes.opened.length === 0 ? "" : `- New: ${named(changes.opened)}`,
      changes.closed.length === 0 ? "" : `- Closed: ${named(changes.closed)}`,
      changes.changed.length === 0 ? "" : `- Changed: ${named(changes.changed)}`,
      ...changes.readability.map((r) =>
        r.now === "readable"
          ? `- ${r.check} can be read again`
          : `- ${r.check} ${r.now === "unreadable" ? "could not be read" : "was read only in part"} this time: its doors are kept as they were`,
      ),
      `- Still open: ${changes.still}`,
    ].filter((l) => l !== "");
    body.push(
      text("Since the last report", { weight: "Bolder", style: "heading", spacing: "Medium" }),
      text(lines.join("\n")),
    );
  }
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.check, (counts.get(f.check) ?? 0) + 1);
  if (counts.size > 0)
    body.push({
      type: "FactSet",
      facts: [...counts].map(([check, n]) => ({ title: check, value: String(n) })),
    });
  for (const u of report.summary.unreadable)
    body.push(
      text(
        `⚠ ${u.partial ? "Read only in part" : "Could not check"} ${u.check}: ${md(shortened(u.reason))}`,
        {
          color: "Warning",
          spacing: "Small",
        },
      ),
    );
  if (open > 0)
    body.push(text("Open doors, worst first", { weight: "Bolder", style: "heading", spacing: "Medium" }));
  report.findings.slice(0, shown).forEach((f, i) => {
    body.push(...findingBlock(f, i));
  });
  if (open > SHOWN)
    body.push(
      text(`${open - SHOWN} more: \`warden posture\` lists them all, with their fixes.`, { isSubtle: true }),
    );
  return { ...adaptiveCard(body), speak: md(summaryLine(report)) };
}

import { csvCell } from "../inventory/format.js";
import type { PostureFinding, PostureReport } from "./types.js";

/** Who or what a finding is about, for a line of text. */
export function subjectOfFinding(f: PostureFinding): string {
  return f.principal?.userPrincipalName ?? f.principal?.id ?? f.setting ?? "";
}

/** The tenant's words for a terminal: control characters (escape sequences, carriage returns) shown as "?". */
const printable = (value: string) => value.replace(/\p{Cc}/gu, "?");

/** For a terminal: each finding as a short block (what, then how to fix), then what could not be read. */
export function postureTable(report: PostureReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(8)}  ${f.check}  ${printable(subjectOfFinding(f))}`);
    lines.push(`          ${printable(f.detail)}`, `          Fix: ${printable(f.fix)}`, "");
  }
  for (const u of report.summary.unreadable)
    lines.push(`${u.partial ? "PARTLY READ" : "NOT READ"}  ${u.check}: ${printable(u.reason)}`);
  if (report.summary.unreadable.length > 0) lines.push("");
  lines.push(summaryLine(report), "");
  return lines.join("\n");
}

/** "7 findings from 9 checks (2 critical, 3 high); 1 check could not be read." */
export function summaryLine(report: PostureReport): string {
  const { findings, summary } = report;
  const counts = (["critical", "high", "medium", "low"] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const unread = summary.unreadable.filter((u) => !u.partial).length;
  const partly = summary.unreadable.length - unread;
  return [
    `${summary.findings} ${summary.findings === 1 ? "finding" : "findings"} from ${summary.checks} checks${counts.length === 0 ? "" : ` (${counts.join(", ")})`}`,
    unread === 0 ? "" : `${unread} ${unread === 1 ? "check" : "checks"} could not be read`,
    partly === 0 ? "" : `${partly} read only in part`,
  ]
    .filter((p) => p !== "")
    .join("; ")
    .concat(".");
}

/** CSV, one row per finding, then one per check not read (severity "unreadable"), for spreadsheets. */
export function postureCsv(report: PostureReport): string {
  const header = [
    "check",
    "severity",
    "principalType",
    "principalId",
    "userPrincipalName",
    "setting",
    "detail",
    "fix",
  ];
  const rows = [
    ...report.findings.map((f) => [
      f.check,
      f.severity,
      f.principal?.type ?? "",
      f.principal?.id ?? "",
      f.principal?.userPrincipalName ?? "",
      f.setting ?? "",
      f.detail,
      f.fix,
    ]),
    ...report.summary.unreadable.map((u) => [
      u.check,
      u.partial ? "partly-read" : "unreadable",
      "",
      "",
      "",
      "",
      u.reason,
      "",
    ]),
  ];
  return `${[header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
}

/** The JSON the issue names: findings and summary, nothing else on stdout. */
export function postureJson(report: PostureReport): string {
  return `${JSON.stringify({ findings: report.findings, summary: report.summary, at: report.at }, null, 2)}\n`;
}

import type { InventoryEntry } from "./collect.js";

const flags = (e: InventoryEntry) =>
  [
    e.risk.riskyUser ? "risky user" : "",
    e.risk.promotedSoonAfterCreation ? "promoted soon after creation" : "",
    e.risk.recentlyCreated ? "created in the last 30 days" : "",
  ]
    .filter((f) => f !== "")
    .join(", ");

const roleText = (e: InventoryEntry) =>
  e.roles
    .map(
      (r) =>
        `${r.roleName} @ ${r.scope}${r.assignment === "eligible" ? " (eligible)" : ""}${r.viaGroup === undefined ? "" : ` via ${r.viaGroup}`}`,
    )
    .join("; ");

/** A terminal table: who, from where, enabled, roles, and why to look first. */
export function inventoryTable(entries: readonly InventoryEntry[]): string {
  const rows = entries.map((e) => [
    e.userPrincipalName ?? e.id,
    e.homeDomain ?? "?",
    e.accountEnabled === false ? "disabled" : "enabled",
    e.createdDateTime?.slice(0, 10) ?? "?",
    e.invitedBy ?? "",
    e.lastSignIn?.slice(0, 10) ?? "",
    roleText(e),
    flags(e),
  ]);
  const header = [
    "principal",
    "home domain",
    "state",
    "created",
    "invited by",
    "last sign-in",
    "roles",
    "flags",
  ];
  const widths = header.map((h, i) =>
    Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.slice(0, widths[i]).padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const summary = `${entries.length} external principals hold privileged roles; ${entries.filter((e) => flags(e) !== "").length} flagged.`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), "", summary, ""].join(
    "\n",
  );
}

export const csvCell = (value: string) => {
  // A cell starting with = + - @ would run as a formula in a spreadsheet: quote it so it is text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  // A bare carriage return ends a row for some readers: quoted too, with commas, quotes and newlines.
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** CSV, one row per principal and role, for spreadsheets and SIEM lookups. */
export function inventoryCsv(entries: readonly InventoryEntry[]): string {
  const header = [
    "id",
    "userPrincipalName",
    "homeDomain",
    "userType",
    "accountEnabled",
    "createdDateTime",
    "invitedBy",
    "lastSignIn",
    "role",
    "scope",
    "assignment",
    "viaGroup",
    "flags",
  ];
  const rows = entries.flatMap((e) =>
    e.roles.map((r) => [
      e.id,
      e.userPrincipalName ?? "",
      e.homeDomain ?? "",
      e.userType ?? "",
      String(e.accountEnabled),
      e.createdDateTime ?? "",
      e.invitedBy ?? "",
      e.lastSignIn ?? "",
      r.roleName,
      r.scope,
      r.assignment,
      r.viaGroup ?? "",
      flags(e),
    ]),
  );
  return `${[header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
}

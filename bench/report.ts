import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

/**
 * Benchmarks write their figures in two places: bench/results.json (for machines and diffs) and a
 * section of docs/performance.md between markers (for people). Each benchmark owns its section only.
 */

export async function recordResults(
  root: string,
  section: string,
  results: unknown,
  markdown: string,
): Promise<void> {
  const jsonPath = `${root}/bench/results.json`;
  const all = existsSync(jsonPath)
    ? (JSON.parse(await readFile(jsonPath, "utf8")) as Record<string, unknown>)
    : {};
  all[section] = results;
  await writeFile(jsonPath, `${JSON.stringify(all, null, 2)}\n`);

  const docPath = `${root}/docs/performance.md`;
  const doc = existsSync(docPath) ? await readFile(docPath, "utf8") : "# Performance\n";
  const start = `<!-- bench:${section}:start -->`;
  const end = `<!-- bench:${section}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const updated =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  await writeFile(docPath, updated);
}

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

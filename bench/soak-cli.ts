import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { EXPECTED_INCIDENTS } from "../src/sim/scenarios/expected-incidents.js";
import { BENCH_ADMIN_URL } from "./databases.js";
import { recordResults, table } from "./report.js";
import { runSoak, type SoakResult } from "./soak.js";

const EXPECTED_COUNT = EXPECTED_INCIDENTS.length;

/**
 * `npm run soak`: ten minutes at 10,000 events a second (`--seconds`, `--rate`, `--subscriptions` to
 * change, `--section` to keep a run beside another), figures into bench/results.json and
 * docs/performance.md.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!(value > 0)) throw new Error(`--${name} takes a positive number`);
  return value;
};

// `--section soak-10k` keeps a second run (another rate, say) beside the main one.
const sectionAt = process.argv.indexOf("--section");
const section = sectionAt < 0 ? "soak" : String(process.argv[sectionAt + 1]);
if (!/^soak[a-z0-9-]*$/.test(section)) throw new Error("--section takes a name starting with soak");
// `--render` writes the section again from bench/results.json, without running (after a wording change).
const result: SoakResult = process.argv.includes("--render")
  ? ((JSON.parse(await readFile(`${root}/bench/results.json`, "utf8")) as Record<string, SoakResult>)[
      section
    ] as SoakResult)
  : await runSoak({
      seconds: arg("seconds", 600),
      rate: arg("rate", 10_000),
      subscriptions: arg("subscriptions", 8),
      sampleEveryMs: 10_000,
      databaseAdminUrl: BENCH_ADMIN_URL,
      redisUrl: process.env["WARDEN_BENCH_REDIS_URL"] ?? "redis://127.0.0.1:6379",
      log,
    });
await recordResults(root, section, result, soakMarkdown(result));
log("soak: figures written to bench/results.json and docs/performance.md");
process.exitCode = result.missingAttacks.length === 0 && result.drainSeconds !== null ? 0 : 1;

function soakMarkdown(r: SoakResult): string {
  const during = r.samples.filter((s) => s.at <= r.options.seconds);
  const half = during.filter((s) => s.at > r.options.seconds / 2);
  const maxOf = (list: typeof during, f: (s: (typeof during)[number]) => number) =>
    list.reduce((m, s) => Math.max(m, f(s)), 0);
  const first = half[0];
  const lastSample = half.at(-1);
  const rssGrowth = first === undefined || lastSample === undefined ? 0 : lastSample.rssMiB - first.rssMiB;
  const every = Math.max(1, Math.round(during.length / 20));
  return `
## Soak${section === "soak" ? "" : ` (${section})`}: ${r.options.rate.toLocaleString("en")} events a second for ${r.options.seconds >= 120 ? `${(r.options.seconds / 60).toFixed(0)} minutes` : `${r.options.seconds} s`} (\`npm run soak -- --rate ${r.options.rate} --seconds ${r.options.seconds}${section === "soak" ? "" : ` --section ${section}`}\`)

A real \`warden worker\` process (\`--max-semi-space-size=32\`, as [deploy.md](deploy.md) recommends for a
busy tenant) against the simulated tenant over https, PostgreSQL (as installed, \`max_wal_size\` 1 GB) and
Redis on this machine: ${r.options.subscriptions} subscriptions' Activity Logs carry 97.5 % of the volume, sign-ins 2 %,
directory audits 0.5 % (Graph's report API allows no more: 5 pages of 1,000 a 10 s). The four attacks
play among it a third of the way in. Polls every 10 s with a 3 s overlap; every record readable when it
happens (this measures throughput and memory; lateness is tested in \`test/pipeline\`). The simulated
tenant keeps the last minute of its logs only (its memory): a worker more than a minute behind finds
records gone before it reads them, and the events stored then fall short of those logged.

${table(
  ["figure", "value"],
  [
    ["events logged (rate achieved)", `${r.logged.toLocaleString("en")} (${r.loggedPerSecond.toFixed(0)}/s)`],
    [
      r.stored === r.logged ? "events stored (each once)" : "events stored when the run ended",
      r.stored.toLocaleString("en"),
    ],
    ["largest backlog, second half", `${maxOf(half, (s) => s.backlog).toLocaleString("en")} events`],
    ["largest detection lag, second half", `${maxOf(half, (s) => s.detectLag).toLocaleString("en")} events`],
    [
      "caught up after the tenant stopped",
      r.drainSeconds === null ? "**not within the deadline**" : `${r.drainSeconds.toFixed(1)} s`,
    ],
    ["worker RSS, peak", `${maxOf(r.samples, (s) => s.rssMiB)} MiB`],
    ["worker RSS growth over the second half", `${rssGrowth >= 0 ? "+" : ""}${rssGrowth} MiB`],
    ["seeded attacks found", `${EXPECTED_COUNT - r.missingAttacks.length} of ${EXPECTED_COUNT}`],
    ["other incidents", r.extraIncidents.length === 0 ? "none" : r.extraIncidents.join("; ")],
    [
      "requests: Graph / ARM / throttled",
      `${r.requests.graph} / ${r.requests.arm} / ${r.requests.throttled}`,
    ],
  ],
)}

Over time (every ${every * 10} s):

${table(
  ["s", "logged", "stored", "backlog", "detection lag", "worker RSS (MiB)"],
  during
    .filter((_, i) => i % every === 0 || i === during.length - 1)
    .map((s) => [s.at.toFixed(0), s.logged, s.stored, s.backlog, s.detectLag, s.rssMiB]),
)}
`;
}

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageFile } from "../paths.js";

/** A Defender advanced hunting query kept as a `.kql` file in hunting/, named by its first line. */
export interface HuntingQuery {
  name: string;
  text: string;
}

const NAME_LINE = /^\/\/\s*warden-query:\s*([a-z0-9-]+)\s*$/m;

export function loadSeedQueries(folder = packageFile("hunting")): HuntingQuery[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith(".kql"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(folder, file), "utf8");
      const name = NAME_LINE.exec(text)?.[1];
      if (name === undefined) throw new Error(`${file}: the first line must be "// warden-query: <name>"`);
      return { name, text };
    });
}

/** The query for one window: `{from}` and `{to}` become ISO timestamps. */
export function queryForWindow(query: HuntingQuery, from: Date, to: Date): string {
  return query.text.replaceAll("{from}", from.toISOString()).replaceAll("{to}", to.toISOString());
}

export function queryName(text: string): string | undefined {
  return NAME_LINE.exec(text)?.[1];
}

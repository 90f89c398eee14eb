import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** `.env.example` documents every variable Warden reads: the names are taken from the code that reads them. */

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe(".env.example", () => {
  it("lists every setting src/config/ reads, with its default", () => {
    const files = readdirSync(new URL("src/config/", root)).filter((f) => f.endsWith(".ts"));
    expect(files).toContain("runtime.ts");
    const code = files.map((f) => read(`src/config/${f}`)).join("\n");
    const names = new Set(
      [...code.matchAll(/"((?:WARDEN|AZURE|MICROSOFT)_[A-Z_]+|DATABASE_URL|REDIS_URL|LOG_LEVEL)"/g)].map(
        (m) => m[1],
      ),
    );
    expect(names.size).toBeGreaterThan(25);
    const documented = new Set([...read(".env.example").matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    expect([...names].filter((n) => !documented.has(n))).toEqual([]);
  });
});

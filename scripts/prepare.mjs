// npm runs `prepare` after every install. A production install (`npm ci --omit=dev`, `NODE_ENV=production
// npm ci`, as an image's runtime stage does) has no compiler: there dist/ is copied from a build, so
// nothing is built here.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// TypeScript and @types/node may be there even so (dependencies bring them): the test runner, which no
// dependency needs, tells a full install.
const env = process.env;
const production =
  (env.npm_config_omit ?? "").split(/[\s,]+/).includes("dev") ||
  env.npm_config_production === "true" ||
  env.NODE_ENV === "production" ||
  !existsSync(new URL("../node_modules/vitest/package.json", import.meta.url));
if (production) {
  process.stderr.write(
    "warden: a production install (no dev dependencies): dist/ is not built here; copy it from a build, or run `npm ci` to build\n",
  );
  process.exit(0);
}
// npm's own script, run by this Node: no shell, and the same on every platform.
const npm = env.npm_execpath;
const build =
  npm === undefined
    ? spawnSync("npm", ["run", "build"], { stdio: "inherit", shell: process.platform === "win32" })
    : spawnSync(process.execPath, [npm, "run", "build"], { stdio: "inherit" });
if (build.error !== undefined) process.stderr.write(`warden: could not build: ${build.error.message}\n`);
process.exit(build.status ?? 1);

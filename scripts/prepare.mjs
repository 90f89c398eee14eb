// npm runs `prepare` after every install. A production install (`npm ci --omit=dev`, as an image's
// runtime stage does) has no compiler: there dist/ is copied from a build, so nothing is built here.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync(new URL("../node_modules/typescript/package.json", import.meta.url))) {
  process.stderr.write(
    "warden: no TypeScript here (a production install): dist/ is not built; copy it from a build, or run `npm ci` to build\n",
  );
  process.exit(0);
}
const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
process.exit(build.status ?? 1);

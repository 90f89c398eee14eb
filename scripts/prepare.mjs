// npm runs `prepare` after every install. A production install (`npm ci --omit=dev`, as an image's
// runtime stage does) has no compiler: there dist/ is copied from a build, so nothing is built here.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// TypeScript itself may be there even so (a dependency's peer): the type packages tell a full install.
const omitted = (process.env.npm_config_omit ?? "").split(/[\s,]+/).includes("dev");
if (omitted || !existsSync(new URL("../node_modules/@types/node/package.json", import.meta.url))) {
  process.stderr.write(
    "warden: a production install (no dev dependencies): dist/ is not built here; copy it from a build, or run `npm ci` to build\n",
  );
  process.exit(0);
}
const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
process.exit(build.status ?? 1);

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageFile } from "../paths.js";
import { appPackage } from "./build-package.js";

/** `npm run manifest`: writes manifest/build/ (manifest.json, icons) and manifest/build/warden-teams.zip. */
const botId = process.env["MICROSOFT_APP_ID"];
if (botId === undefined || botId === "") {
  process.stderr.write("npm run manifest: set MICROSOFT_APP_ID to the Azure Bot's app id (docs/deploy.md)\n");
  process.exit(2);
}
try {
  const built = appPackage(botId);
  const out = packageFile("manifest/build");
  mkdirSync(out, { recursive: true });
  for (const file of built.files) writeFileSync(join(out, file.name), file.data);
  writeFileSync(join(out, "warden-teams.zip"), built.zip);
  process.stdout.write(
    `Teams app package: ${join(out, "warden-teams.zip")} (upload it in Teams admin center > Manage apps)\n`,
  );
} catch (error) {
  process.stderr.write(`npm run manifest: ${(error as Error).message}\n`);
  process.exit(2);
}

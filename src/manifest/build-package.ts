import { readFileSync } from "node:fs";
import { packageFile } from "../paths.js";
import { colorIcon, outlineIcon } from "./icons.js";
import { zip } from "./zip.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The manifest for this deployment's bot: the template with the Azure Bot's app id filled in. */
export function manifestFor(botId: string): Record<string, unknown> {
  if (!GUID.test(botId))
    throw new Error(`the bot id must be the Azure Bot's app id (a GUID), not "${botId}"`);
  const template = readFileSync(packageFile("manifest/manifest.template.json"), "utf8");
  return JSON.parse(template.replaceAll("{{BOT_ID}}", botId.toLowerCase())) as Record<string, unknown>;
}

/** The Teams app package: manifest.json and its two icons in a zip, ready to upload. */
export function appPackage(botId: string): {
  manifest: Record<string, unknown>;
  files: { name: string; data: Buffer }[];
  zip: Buffer;
} {
  const manifest = manifestFor(botId);
  const files = [
    { name: "manifest.json", data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: "color.png", data: colorIcon() },
    { name: "outline.png", data: outlineIcon() },
  ];
  return { manifest, files, zip: zip(files) };
}

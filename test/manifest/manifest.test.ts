import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { describe, expect, it } from "vitest";
import { appPackage, manifestFor } from "../../src/manifest/build-package.js";
import { pngInfo } from "../../src/manifest/png.js";

/** The Teams app package validates offline against the schema @microsoft/app-manifest bundles, and its icons are the sizes Teams requires. */

const BOT_ID = "b07ba5e1-0000-4000-8000-00000000b07b";

/** The alpha of a pixel of an 8-bit RGBA PNG written without filters (ours). */
function alphaAt(png: Buffer, x: number, y: number): number {
  const info = pngInfo(png);
  if (info === undefined) throw new Error("not a PNG");
  let offset = 8;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("ascii", offset + 4, offset + 8);
    if (type === "IDAT") idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return raw[y * (info.width * 4 + 1) + 1 + x * 4 + 3] ?? -1;
}

describe("the Teams app package", () => {
  it("validates with @microsoft/app-manifest, offline, with the bot id, scopes and commands", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-manifest-"));
    const path = join(dir, "manifest.json");
    writeFileSync(path, JSON.stringify(manifestFor(BOT_ID)));
    const [manifest, errors] = await AppManifestUtils.readAndValidateTeamsManifest(path);
    expect(errors).toEqual([]);
    const bot = (
      manifest as unknown as {
        bots: { botId: string; scopes: string[]; commandLists: { commands: { title: string }[] }[] }[];
      }
    ).bots[0];
    expect(bot?.botId).toBe(BOT_ID);
    expect(bot?.scopes.sort()).toEqual(["groupChat", "personal", "team"]);
    expect(bot?.commandLists[0]?.commands.map((c) => c.title)).toEqual([
      "help",
      "open",
      "incident",
      "history",
      "inventory",
    ]);
  });

  it("the validator itself refuses a broken manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-manifest-"));
    const path = join(dir, "manifest.json");
    const { developer: _developer, ...withoutDeveloper } = manifestFor(BOT_ID);
    writeFileSync(path, JSON.stringify({ ...withoutDeveloper, accentColor: "blue" }));
    // Refused either way: listed errors, or a throw naming the bad key.
    const refusals = await AppManifestUtils.readAndValidateTeamsManifest(path).then(
      ([, errors]) => errors.length,
      () => 1,
    );
    expect(refusals).toBeGreaterThan(0);
  });

  it("has a 192x192 colour icon and a 32x32 outline icon that is transparent around the shape", () => {
    const { files } = appPackage(BOT_ID);
    const file = (name: string) => files.find((f) => f.name === name)?.data ?? Buffer.alloc(0);
    expect(pngInfo(file("color.png"))).toEqual({ width: 192, height: 192, colorType: 6 });
    expect(pngInfo(file("outline.png"))).toEqual({ width: 32, height: 32, colorType: 6 });
    expect(alphaAt(file("outline.png"), 0, 0)).toBe(0);
    expect(alphaAt(file("color.png"), 0, 0)).toBe(255);
  });

  it("refuses a bot id that is not a GUID, saying what it must be", () => {
    expect(() => manifestFor("my-bot")).toThrow(/Azure Bot's app id/);
  });
});

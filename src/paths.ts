import { fileURLToPath } from "node:url";

/**
 * A file shipped in the package (sim-tls/, hunting/, manifest/), found from this module wherever it is
 * built to: src/paths.ts sits one level below the root, dist/src/paths.js two.
 */
export function packageFile(relative: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const root = here.includes("/dist/") ? new URL("../../", import.meta.url) : new URL("../", import.meta.url);
  return fileURLToPath(new URL(relative, root));
}

import { fileURLToPath } from "node:url";

/** The simulator's certificate files (see sim-tls/README.md), found from this module wherever it is built to. */
export function simTlsFile(name: "ca.crt" | "localhost.crt" | "localhost.key"): string {
  // src/sim/cloud/tls.ts and dist/src/sim/cloud/tls.js sit three and four levels below the root.
  const here = fileURLToPath(new URL(".", import.meta.url));
  const root = here.includes("/dist/")
    ? new URL("../../../../", import.meta.url)
    : new URL("../../../", import.meta.url);
  return fileURLToPath(new URL(`sim-tls/${name}`, root));
}

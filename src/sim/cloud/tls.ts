import { packageFile } from "../../paths.js";

/** The simulator's certificate files (see sim-tls/README.md). */
export function simTlsFile(name: "ca.crt" | "localhost.crt" | "localhost.key"): string {
  return packageFile(`sim-tls/${name}`);
}

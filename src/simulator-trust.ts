import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, type RuntimeConfig } from "./config/index.js";
import { simTlsFile } from "./sim/cloud/tls.js";

/**
 * The labels OpenSSL's PEM_read_bio_X509, which loads NODE_EXTRA_CA_CERTS, reads as a certificate:
 * `CERTIFICATE` and the older `X509 CERTIFICATE`. A bundle with the simulator's CA under the older label
 * is trusted by Node as much as under the usual one, so both must be recognised here.
 */
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE"]);

/**
 * SHA-256 fingerprints of the certificates in a PEM bundle; none for a file that cannot be read. Read
 * line by line as OpenSSL reads it: a block's label, any `Name: value` header lines, then base64.
 */
function fingerprintsIn(path: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, "latin1");
  } catch {
    return [];
  }
  const prints: string[] = [];
  let body: string[] | undefined;
  for (const raw of pem.split("\n")) {
    const line = raw.trimEnd();
    if (body === undefined) {
      const label = line.startsWith("-----BEGIN ") && line.endsWith("-----") ? line.slice(11, -5) : "";
      if (CERTIFICATE_LABELS.has(label)) body = [];
      continue;
    }
    if (line.startsWith("-----END ")) {
      try {
        prints.push(new X509Certificate(Buffer.from(body.join(""), "base64")).fingerprint256);
      } catch {
        // Not a certificate Node would load either: it adds no trust.
      }
      body = undefined;
    } else if (!line.includes(":")) body.push(line);
  }
  return prints;
}

/**
 * SHA-256 fingerprints of the simulator's CAs that sim-tls/ca.crt no longer holds: the first one (until
 * issue 17) had no name constraints, so a bundle made from an older checkout that still trusts it must
 * be refused all the more.
 */
const RETIRED_SIMULATOR_CAS: readonly string[] = [
  "A4:71:60:24:6E:13:F8:93:05:D3:99:AD:9F:C4:18:76:4B:EF:31:8E:EE:61:07:E5:F3:61:DE:A9:D0:E3:A5:9B",
];

/** A URL whose host is this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Refuses to start a process that talks to Microsoft while it trusts the simulator's test CA
 * (sim-tls/ca.crt) through NODE_EXTRA_CA_CERTS. The CA is name-constrained to loopback, so it cannot
 * vouch for graph.microsoft.com; this makes a test setting that leaked into production fail loudly
 * instead. The CA is recognised by fingerprint, so a copy of it under another name is caught too.
 */
export function refuseSimulatorTrustOffLoopback(runtime: RuntimeConfig): void {
  if (runtime.extraCaCerts === undefined) return;
  const known = [
    new X509Certificate(readFileSync(simTlsFile("ca.crt"))).fingerprint256,
    ...RETIRED_SIMULATOR_CAS,
  ];
  const simulatorCa = fingerprintsIn(runtime.extraCaCerts).find((print) => known.includes(print));
  if (simulatorCa === undefined) return;
  const remote = (
    [
      ["WARDEN_GRAPH_URL", runtime.endpoints.graph],
      ["WARDEN_ARM_URL", runtime.endpoints.arm],
      ["WARDEN_AUTHORITY_URL", runtime.endpoints.authority],
    ] as const
  ).filter(([, url]) => !isLoopbackUrl(url));
  if (remote.length === 0) return;
  throw new ConfigError(
    `NODE_EXTRA_CA_CERTS (${runtime.extraCaCerts}) trusts the simulator's test CA (sim-tls/ca.crt, SHA-256 ${simulatorCa.slice(0, 23)}…) while ${remote.map(([name, url]) => `${name} (${url})`).join(", ")} ${remote.length === 1 ? "is" : "are"} not on this machine. A Warden that talks to Microsoft must not trust it: unset NODE_EXTRA_CA_CERTS or point it at a bundle without that CA; or, to run against the simulator, point WARDEN_GRAPH_URL, WARDEN_ARM_URL and WARDEN_AUTHORITY_URL at it on 127.0.0.1.`,
  );
}

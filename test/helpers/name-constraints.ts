import { X509Certificate } from "node:crypto";

/**
 * The permitted subtrees of a certificate's X.509 name constraints (RFC 5280 4.2.1.10), read from its
 * DER by hand: Node's X509Certificate does not expose the extension. Only what a CA for loopback uses is
 * decoded: dNSName and iPAddress (address/mask) bases.
 */
export interface NameConstraints {
  critical: boolean;
  permitted: string[];
  excluded: number;
}

interface Node {
  tag: number;
  start: number;
  end: number;
}

function read(der: Buffer, at: number): Node {
  const tag = der[at] ?? 0;
  let length = der[at + 1] ?? 0;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[start + i] ?? 0);
    start += bytes;
  }
  return { tag, start, end: start + length };
}

function children(der: Buffer, node: Node): Node[] {
  const out: Node[] = [];
  for (let at = node.start; at < node.end; ) {
    const child = read(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

const NAME_CONSTRAINTS_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1e]);

function ip(bytes: Buffer): string {
  const half = bytes.length / 2;
  const part = (b: Buffer) =>
    b.length === 4
      ? [...b].join(".")
      : Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(":");
  return `${part(bytes.subarray(0, half))}/${part(bytes.subarray(half))}`;
}

export function nameConstraints(pem: string | Buffer): NameConstraints | undefined {
  const der = new X509Certificate(pem).raw;
  const at = der.indexOf(NAME_CONSTRAINTS_OID);
  if (at < 0) return undefined;
  let next = at + NAME_CONSTRAINTS_OID.length;
  let critical = false;
  if (der[next] === 0x01) {
    const flag = read(der, next);
    critical = der[flag.start] === 0xff;
    next = flag.end;
  }
  const octets = read(der, next);
  const sequence = read(der, octets.start);
  const result: NameConstraints = { critical, permitted: [], excluded: 0 };
  for (const subtrees of children(der, sequence)) {
    if (subtrees.tag === 0xa1) {
      result.excluded += children(der, subtrees).length;
      continue;
    }
    for (const subtree of children(der, subtrees)) {
      const [base] = children(der, subtree);
      if (base === undefined) continue;
      const value = der.subarray(base.start, base.end);
      if (base.tag === 0x82) result.permitted.push(`DNS:${value.toString("ascii")}`);
      else if (base.tag === 0x87) result.permitted.push(`IP:${ip(value)}`);
      else result.permitted.push(`tag ${base.tag.toString(16)}`);
    }
  }
  return result;
}

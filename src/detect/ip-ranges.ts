import { BlockList, isIP } from "node:net";

/** Whether `range` is an IP address or a CIDR range ("203.0.113.0/" is a typo, not /0: refused). */
export function isIpRange(range: string): boolean {
  const [address = "", prefix, extra] = range.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Built once per range list: a BlockList answers in microseconds for IPv4 and IPv6 alike. */
const cache = new WeakMap<readonly string[], BlockList>();

/** The ranges as a BlockList; `what` names the setting in the error for a range that is not one. */
export function rangeList(ranges: readonly string[], what: string): BlockList {
  const cached = cache.get(ranges);
  if (cached !== undefined) return cached;
  const list = new BlockList();
  for (const range of ranges) {
    const [address = "", prefix] = range.split("/");
    const family = isIP(address);
    if (!isIpRange(range)) throw new Error(`${what}: "${range}" is not an IP address or CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  cache.set(ranges, list);
  return list;
}

/** Whether `ip` (v4 or v6) is inside any of the ranges; false for what is not an address. */
export function inRanges(ip: string | undefined, ranges: readonly string[], what: string): boolean {
  if (ip === undefined || ranges.length === 0) return false;
  const family = isIP(ip);
  return family !== 0 && rangeList(ranges, what).check(ip, family === 4 ? "ipv4" : "ipv6");
}

import { BlockList, isIP } from "node:net";
import type { DetectConfig } from "../detect-config.js";
import { type Detector, finding, subjectOf } from "../detector.js";
import { principalLabel } from "../identity.js";

/** Built once per range list: a BlockList answers in microseconds for IPv4 and IPv6 alike. */
const cache = new WeakMap<readonly string[], BlockList>();

export function riskyRanges(config: Pick<DetectConfig, "riskyIpRanges">): BlockList {
  const cached = cache.get(config.riskyIpRanges);
  if (cached !== undefined) return cached;
  const list = new BlockList();
  for (const range of config.riskyIpRanges) {
    const [address = "", prefix] = range.split("/");
    const family = isIP(address);
    if (family === 0) throw new Error(`riskyIpRanges: "${range}" is not an IP address or CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  cache.set(config.riskyIpRanges, list);
  return list;
}

/** A VM is created from an address inside the configured risky ranges, by anyone. */
export const riskyIpVmCreated: Detector = {
  rule: "risky-ip-vm-created",
  severity: "medium",
  kinds: ["vm-created"],
  detect(event, history, config) {
    if (event.kind !== "vm-created" || !event.succeeded || event.actor?.ipAddress === undefined) return [];
    if (config.riskyIpRanges.length === 0) return [];
    const ip = event.actor.ipAddress;
    const family = isIP(ip);
    if (family === 0 || !riskyRanges(config).check(ip, family === 4 ? "ipv4" : "ipv6")) return [];
    const vm = event.resourceId.slice(event.resourceId.lastIndexOf("/") + 1);
    return [
      finding(this, event, {
        key: event.id,
        subject: subjectOf(event.actor, history.isExternal(event.actor)),
        actor: event.actor,
        subscriptionIds: [event.subscriptionId],
        summary: `${principalLabel(event.actor)} created VM ${vm} from ${ip}, inside a configured risky range`,
        confidence: 0.6,
      }),
    ];
  },
};

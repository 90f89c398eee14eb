/**
 * Deterministic ids for simulated tenants: the same seed gives the same tenant, events and ids, so tests
 * and benchmarks are repeatable. mulberry32 is small, fast and good enough for test data (not for secrets).
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
  guid(): string {
    const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[this.int(16)]).join("");
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[this.int(4)]}${hex(3)}-${hex(12)}`;
  }
}

/**
 * The last N event ids seen, for telling the second half of an ARM begin/end pair (minutes apart) from a
 * new event. A ring buffer evicts the oldest in O(1); evicting through `map.keys().next()` is
 * O(deleted entries) in V8 and made a million-event run quadratic.
 */
export class RecentIds {
  private readonly ring: (string | undefined)[];
  private readonly present = new Set<string>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  /** true when the id was not among the last `capacity` ids; remembers it either way. */
  add(id: string): boolean {
    if (this.present.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.present.delete(evicted);
    this.ring[this.next] = id;
    this.present.add(id);
    this.next = (this.next + 1) % this.capacity;
    return true;
  }
}

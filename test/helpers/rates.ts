/** The most requests that arrived at the simulator within any `windowMs`, among those matching. */
export function peak(
  log: readonly { path: string; at: number }[],
  matches: (path: string) => boolean,
  windowMs: number,
): number {
  const times = log.filter((r) => matches(r.path)).map((r) => r.at);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

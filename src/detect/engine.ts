import { type ContainmentObject, type DetectConfig, isWarden } from "./detect-config.js";
import type { Detector } from "./detector.js";
import { DETECTORS } from "./detectors/index.js";
import type { EventKind, SecurityEvent } from "./event.js";
import type { Finding } from "./finding.js";
import { History } from "./history.js";
import { score } from "./score.js";

const DAY = 86_400_000;
const PRUNE_EVERY = 50_000;

/**
 * Runs events through the history and the detectors. The same engine serves `warden detect` and the
 * live pipeline. When an event teaches something that makes an earlier event a finding (a principal
 * turns out to be a guest), the earlier events kept for that principal are judged again.
 */
export class DetectionEngine {
  readonly history = new History();
  private readonly byKind = new Map<EventKind, Detector[]>();
  private latest = Number.NEGATIVE_INFINITY;
  private sincePrune = 0;

  private settings: DetectConfig;
  /** The trusted ranges configured, apart from those read live. */
  private readonly configuredTrusted: readonly string[];

  constructor(config: DetectConfig, detectors: readonly Detector[] = DETECTORS) {
    this.settings = config;
    this.configuredTrusted = config.trustedIpRanges;
    for (const detector of detectors) {
      for (const kind of detector.kinds) {
        const list = this.byKind.get(kind) ?? [];
        list.push(detector);
        this.byKind.set(kind, list);
      }
    }
  }

  get config(): DetectConfig {
    return this.settings;
  }

  /**
   * The groups and policies Warden keeps, as they are now: the one setting that changes while the engine
   * runs (Warden creates them when it first contains, and again if one is deleted), replaced without
   * losing history. Live detection sets them from the store before each run.
   */
  useContainmentObjects(objects: readonly ContainmentObject[]): void {
    this.settings = { ...this.settings, containmentObjects: objects };
  }

  /**
   * The tenant's trusted ranges as they are now: the configured ones and its conditional access named
   * locations marked trusted (read live, so a range marked trusted today counts from the next run).
   */
  useTrustedRanges(live: readonly string[]): void {
    const configured = this.configuredTrusted;
    const all = live.length === 0 ? configured : [...new Set([...configured, ...live])];
    if (all.join() !== this.settings.trustedIpRanges.join())
      this.settings = { ...this.settings, trustedIpRanges: all };
  }

  /** Findings the event produced. The same finding may come again later: ids are stable, callers de-duplicate. */
  ingest(event: SecurityEvent): Finding[] {
    // Warden's own containment (a transfer policy it tightened, a role it removed) is logged like any
    // change: it is stored and shown, never judged as an attack.
    if (isWarden(event.actor, this.config)) return [];
    const changed = this.history.observe(event);
    const findings = this.run(event);
    for (const state of changed) {
      for (const earlier of state.retained) {
        if (earlier !== event) findings.push(...this.run(earlier));
      }
    }
    if (event.time > this.latest) this.latest = event.time;
    if (++this.sincePrune >= PRUNE_EVERY) {
      this.sincePrune = 0;
      this.history.prune(this.latest, this.horizonMs());
    }
    return findings;
  }

  /** The finding with its confidence raised by everything history knows now. */
  scored(finding: Finding): Finding {
    return score(finding, this.history, this.config);
  }

  private run(event: SecurityEvent): Finding[] {
    const detectors = this.byKind.get(event.kind);
    if (detectors === undefined) return [];
    const findings: Finding[] = [];
    for (const detector of detectors) findings.push(...detector.detect(event, this.history, this.config));
    return findings;
  }

  /** History is kept for the longest window any rule looks back over, plus a day for late logs. */
  private horizonMs(): number {
    const hours = Math.max(this.config.correlationWindowHours, this.config.riskySignInWindowHours, 24);
    return Math.max(hours * 3_600_000, this.config.newPrincipalDays * DAY) + DAY;
  }
}

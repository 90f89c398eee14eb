import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "../../src/detect/detect-config.js";
import type { InputItem } from "../../src/detect/input/input-item.js";
import { type DetectionReport, runDetection } from "../../src/detect/run-detection.js";
import { ATTACKER_RANGE } from "../../src/sim/scenarios/attacks.js";

/**
 * The defaults `warden detect` runs with (no tenant configured: Graph records borrow the tenant the rest of
 * the input names), plus the attacker range the scenarios use.
 */
export const TEST_CONFIG: DetectConfig = { ...DEFAULT_DETECT_CONFIG, riskyIpRanges: [ATTACKER_RANGE] };

export async function* itemsOf(records: readonly unknown[]): AsyncGenerator<InputItem> {
  let index = 0;
  for (const record of records) yield { kind: "record", record, place: `record ${index++}` };
}

export function detect(
  records: readonly unknown[],
  config: Partial<DetectConfig> = {},
): Promise<DetectionReport> {
  return runDetection(itemsOf(records), { ...TEST_CONFIG, ...config });
}

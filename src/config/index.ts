import { DEFAULT_DETECT_CONFIG, type DetectConfig } from "../detect/detect-config.js";
import { type BotConfig, parseBotConfig } from "./bot.js";
import { type ContainmentConfig, parseContainmentConfig } from "./containment.js";
import { describe, detectFromEnv, detectSchema, readConfigFile, stripUndefined } from "./detect.js";
import { ConfigError, envValue } from "./readers.js";
import { type RuntimeConfig, runtimeFromEnv } from "./runtime.js";

export { ConfigError } from "./readers.js";
export type { HttpLimits, OpsConfig, RuntimeConfig, Timings } from "./runtime.js";

/**
 * The only reader of the environment (this folder). Everything configurable is validated at start, with
 * messages that name the setting and say what to fix; the rest of the code receives typed values. Each
 * part has its file: runtime.ts (where Warden runs, what it talks to, its timings), containment.ts,
 * bot.ts, detect.ts; readers.ts holds the readers they share and the one error type.
 */

export interface WardenConfig {
  detect: DetectConfig;
  runtime: RuntimeConfig;
  containment: ContainmentConfig;
  bot: BotConfig;
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** A JSON file whose values the environment overrides. */
  file?: string;
}

export function loadConfig({ env = process.env, file }: ConfigSources = {}): WardenConfig {
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fromEnv = detectFromEnv(env);
  const merged = { ...fromFile.detect, ...fromEnv };
  const parsed = detectSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, "detect"));
  return {
    detect: { ...DEFAULT_DETECT_CONFIG, ...stripUndefined(parsed.data) },
    runtime: runtimeFromEnv(env),
    containment: parseContainmentConfig(envValue(env)),
    bot: parseBotConfig(envValue(env)),
  };
}

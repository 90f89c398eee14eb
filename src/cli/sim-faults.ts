import type { FaultPlan } from "../sim/cloud/faults.js";

export interface FaultOptions {
  throttle?: string;
  errors?: string;
  drop?: string;
  hang?: string;
  latency?: string;
}

/** A fraction of requests for a while: "0.5:60" is half of them for a minute. */
function window(
  text: string,
  option: string,
  now: number,
): { fraction: number; until: number; rest: string[] } | string {
  const [fractionText = "", secondsText = "", ...rest] = text.split(":");
  const fraction = Number(fractionText);
  const seconds = Number(secondsText);
  if (!(fraction > 0 && fraction <= 1 && seconds > 0)) {
    return `${option} takes FRACTION:SECONDS (a fraction in (0, 1], seconds > 0), such as 0.5:60, not "${text}"`;
  }
  return { fraction, until: now + seconds * 1_000, rest };
}

/**
 * `warden sim`'s fault options as the simulator's fault plan, or a message saying what to fix:
 * --throttle FRACTION:SECONDS[:RETRY_AFTER|none], --errors FRACTION:SECONDS[:500|503],
 * --drop FRACTION:SECONDS, --hang FRACTION:SECONDS, --latency MS.
 */
export function parseFaultOptions(options: FaultOptions, now: number): FaultPlan | string {
  const plan: FaultPlan = {};
  if (options.throttle !== undefined) {
    const w = window(options.throttle, "--throttle", now);
    if (typeof w === "string") return w;
    const retryAfter = w.rest[0] ?? "2";
    if (retryAfter !== "none" && !(Number(retryAfter) >= 0)) {
      return `--throttle's third part is the Retry-After in seconds or "none", not "${retryAfter}"`;
    }
    plan.throttle = {
      fraction: w.fraction,
      until: w.until,
      ...(retryAfter === "none" ? {} : { retryAfterSeconds: Number(retryAfter) }),
    };
  }
  if (options.errors !== undefined) {
    const w = window(options.errors, "--errors", now);
    if (typeof w === "string") return w;
    const status = w.rest[0] ?? "503";
    if (status !== "500" && status !== "503") return `--errors' third part is 500 or 503, not "${status}"`;
    plan.unavailable = { fraction: w.fraction, until: w.until, status: status === "500" ? 500 : 503 };
  }
  if (options.drop !== undefined) {
    const w = window(options.drop, "--drop", now);
    if (typeof w === "string") return w;
    plan.drop = { fraction: w.fraction, until: w.until };
  }
  if (options.hang !== undefined) {
    const w = window(options.hang, "--hang", now);
    if (typeof w === "string") return w;
    plan.hang = { fraction: w.fraction, until: w.until };
  }
  if (options.latency !== undefined) {
    const ms = Number(options.latency);
    if (!(Number.isInteger(ms) && ms >= 0)) return `--latency takes milliseconds, not "${options.latency}"`;
    plan.latencyMs = ms;
  }
  return plan;
}

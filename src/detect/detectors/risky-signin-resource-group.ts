import { type Detector, finding, subjectOf } from "../detector.js";
import type { Principal, SecurityEvent } from "../event.js";
import { type EvidenceRef, evidenceOf, type Finding } from "../finding.js";
import type { HistoryView } from "../history-view.js";
import { principalLabel } from "../identity.js";
import { subscriptionOf } from "../normalise/fields.js";

const HOUR = 3_600_000;

/**
 * A successful high-risk sign-in followed within 12 h by a resource group write by the same user. Works
 * whichever of the two is read first, so exports read in any order give the same finding.
 */
export const riskySignInResourceGroup: Detector = {
  rule: "risky-signin-resource-group",
  severity: "high",
  kinds: ["sign-in", "resource-group-written"],
  detect(event, history, config) {
    if (!event.succeeded || event.actor === undefined) return [];
    const windowMs = config.riskySignInWindowHours * HOUR;
    if (event.kind === "resource-group-written") {
      const state = history.principal(event.actor);
      const signIn = state?.riskSignals
        .filter((s) => s.highRiskSignIn && s.time <= event.time && event.time - s.time <= windowMs)
        .sort((a, b) => b.time - a.time)[0];
      return signIn === undefined ? [] : [make(event, event.actor, signIn.evidence, event, history)];
    }
    if (event.kind === "sign-in" && (event.riskAggregated === "high" || event.riskDuringSignIn === "high")) {
      const state = history.principal(event.actor);
      const write = state?.resourceGroupWrites
        .filter((w) => w.time >= event.time && w.time - event.time <= windowMs)
        .sort((a, b) => a.time - b.time)[0];
      return write === undefined
        ? []
        : [make(event, event.actor, evidenceOf(event), write.evidence, history)];
    }
    return [];
  },
};

function make(
  event: SecurityEvent,
  actor: Principal,
  signIn: EvidenceRef,
  write: EvidenceRef | SecurityEvent,
  history: HistoryView,
): Finding {
  const writeRef: EvidenceRef = {
    source: write.source,
    id: write.id,
    time: write.time,
    operation: write.operation,
  };
  const hours = Math.round(((writeRef.time - signIn.time) / HOUR) * 10) / 10;
  const resourceId =
    "resourceId" in write && typeof write.resourceId === "string" ? write.resourceId : undefined;
  const group =
    resourceId === undefined
      ? "a resource group"
      : `resource group ${resourceId.slice(resourceId.lastIndexOf("/") + 1)}`;
  const subscription = subscriptionOf(resourceId);
  const base = finding(riskySignInResourceGroup, event, {
    // One finding per risky sign-in, however many resource groups follow it.
    key: signIn.id,
    subject: subjectOf(actor, history.isExternal(actor)),
    actor,
    subscriptionIds: [
      subscription ?? (event.kind === "resource-group-written" ? event.subscriptionId : undefined),
    ],
    evidence: [signIn, writeRef],
    summary: `${principalLabel(actor)} signed in at high risk, then wrote ${group} ${hours} h later`,
    confidence: 0.75,
  });
  return { ...base, time: writeRef.time };
}

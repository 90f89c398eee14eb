import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from "botbuilder";
import { incidentCard, noticeCard, VERBS, type Verb } from "../cards/incident-card.js";
import { markdownText as md } from "../cards/markdown-text.js";
import { enqueue, JOBS } from "../jobs/catalogue.js";
import type { Approver } from "../respond/decide.js";
import { incidentView } from "../respond/view-for-card.js";
import { appendAudit, getIncident } from "../store/incidents-repo.js";
import type { BotDeps } from "./bot-deps.js";
import { readsOnly, runVerb } from "./card-verbs.js";
import { inventoryAnswer } from "./inventory-answer.js";

const CARD = "application/vnd.microsoft.card.adaptive";

/** What answering a click needs besides the bot's own dependencies. */
export interface InvokeDeps extends BotDeps {
  /** Whether the activity comes from Warden's own tenant. */
  ownTenant: boolean;
  /** The inventory read the chat's pages share. */
  inventory: BotDeps["inventory"];
}

/**
 * One click on a card (an `adaptiveCard/action` invoke, or Teams' automatic refresh): who clicked is
 * checked against the approvers first, so nothing is read for anyone else; what runs is read from the
 * store; the answer is the card as that person may see it, with the card's `refresh` kept.
 */
export async function answerCardInvoke(
  deps: InvokeDeps,
  context: TurnContext,
  invokeValue: AdaptiveCardInvokeValue,
): Promise<AdaptiveCardInvokeResponse> {
  const answer = (card: Record<string, unknown>): AdaptiveCardInvokeResponse => ({
    statusCode: 200,
    type: CARD,
    value: card,
  });
  const verb = invokeValue?.action?.verb;
  const data = (invokeValue?.action?.data ?? {}) as Record<string, unknown>;
  // Every button is for approvers: the inventory's pages and an incident's trail as much as a decision
  // (the chat commands for them are approvers' too). Checked first, so nothing is read for anyone else.
  const from = context.activity.from;
  const clicker: Approver = { id: (from?.aadObjectId ?? "").toLowerCase(), name: from?.name ?? "unknown" };
  const allowed = deps.ownTenant
    ? await deps.approvers.check(clicker.id)
    : { ok: false as const, reason: "this Warden serves another organisation" };
  if (verb === "inventoryPage") {
    if (!allowed.ok)
      return answer(noticeCard("Refused", `Only Warden's approvers can see this: ${allowed.reason}.`));
    const page = typeof data["page"] === "number" && Number.isInteger(data["page"]) ? data["page"] : 0;
    return answer(await inventoryAnswer(deps.workflow.db, deps.tenantId, await deps.inventory(), page));
  }
  const incidentId = typeof data["incidentId"] === "string" ? data["incidentId"] : undefined;
  const version = typeof data["version"] === "number" ? data["version"] : Number.NaN;
  // A version is a small counter the store keeps as a 32-bit integer: anything else is no card of ours.
  const versionOk = Number.isInteger(version) && version >= 0 && version <= 2_147_483_647;
  if (!VERBS.includes(verb as Verb) || incidentId === undefined || !versionOk) {
    return answer(noticeCard("Not understood", "This button is not one of Warden's. Nothing was done."));
  }
  const db = deps.workflow.db;
  const viewOptions = deps.expireHours === undefined ? {} : { expireHours: deps.expireHours };
  // The answer keeps the card's `refresh`, or Teams would stop refreshing it for the approvers.
  const refreshFor = async () => {
    const ids = deps.roster === undefined ? [] : await deps.roster.of(context);
    return ids.length === 0 ? {} : { refreshFor: ids };
  };
  const incident = await getIncident(db, incidentId);
  if (incident === undefined || incident.tenantId !== deps.tenantId || !deps.ownTenant) {
    return answer(
      noticeCard("No such incident", "This card names no incident of this tenant. Nothing was done."),
    );
  }
  const logAction = (outcome: string, reason?: string) =>
    deps.workflow.log.info(
      { tenantId: deps.tenantId, incidentId, verb, actorId: clicker.id, outcome, reason },
      "card action",
    );
  const refused = async (reason: string) => {
    logAction("refused", reason);
    await appendAudit(db, {
      incidentId,
      action: "refused",
      ...(clicker.id === "" ? {} : { actorId: clicker.id }),
      actorName: clicker.name,
      cardVersion: version,
      detail: { verb, reason },
    });
    const view = await incidentView(db, (await getIncident(db, incidentId)) ?? incident, viewOptions);
    const card = incidentCard(view, {
      audience: allowed.ok ? "approver" : "reader",
      ...(await refreshFor()),
    });
    (card["body"] as unknown[]).unshift({
      type: "TextBlock",
      text: `Refused: ${md(reason)}`,
      wrap: true,
      color: "attention",
      weight: "Bolder",
    });
    return answer(card);
  };
  const current = async (audience: "approver" | "reader" = "approver") =>
    answer(
      incidentCard(await incidentView(db, (await getIncident(db, incidentId)) ?? incident, viewOptions), {
        audience,
        ...(await refreshFor()),
      }),
    );
  // Teams refreshes a card by itself as people open it: anyone but an approver gets the read-only card,
  // which is not a refusal (nobody asked for anything).
  if (!allowed.ok && verb === "refresh") return current("reader");
  if (!allowed.ok) return refused(allowed.reason);
  const verbOf = verb as Verb;
  if (!readsOnly(verbOf) && version !== incident.version)
    return refused(
      `the card was out of date (version ${version}, now ${incident.version}); here is the current one`,
    );
  const result = await runVerb(verbOf, {
    incident,
    version,
    data,
    clicker,
    workflow: deps.workflow,
    queue: deps.queue,
  });
  if (result.kind === "refused") return refused(result.reason);
  if (result.kind === "card") return answer(result.card);
  if (readsOnly(verbOf)) return current();
  logAction("accepted");
  await enqueue(deps.queue, JOBS.notify, { incidentId });
  return current();
}

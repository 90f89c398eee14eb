#!/usr/bin/env node
// Every state of the incident card, for docs/cards.md: plays the demo's attacks headless (the simulated
// tenant, Warden's real detection, triage and containment), approves as the demo analyst, then takes the
// hijack incident's real view from the store and renders it in each state an analyst meets. States the
// demo does not reach by itself (denied, expired, failed, retried, undone, waiting through an outage)
// are the same view with its state and its actions' states set as the store would hold them.
//
//   npm run build && NODE_EXTRA_CA_CERTS=sim-tls/ca.crt node scripts/card-gallery.mjs --out cards.json
//   node scripts/card-screenshots.mjs --in cards.json --out docs/cards
import { writeFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { auditCard } from "../dist/src/cards/audit-card.js";
import { incidentCard } from "../dist/src/cards/incident-card.js";
import { playHeadless } from "../dist/src/demo/headless.js";
import { startDemoWorld } from "../dist/src/demo/world.js";
import { createLogger } from "../dist/src/log.js";
import { incidentView } from "../dist/src/respond/view-for-card.js";
import { auditTrail, listIncidents } from "../dist/src/store/incidents-repo.js";

const { values } = parseArgs({ options: { out: { type: "string" } } });
if (values.out === undefined) {
  process.stderr.write("card-gallery: --out FILE is required (a JSON array for card-screenshots)\n");
  process.exit(2);
}

const log = createLogger({ level: "error", destination: new Writable({ write: (_c, _e, done) => done() }) });
const world = await startDemoWorld({ playSeconds: 15, auto: false, log, env: process.env });
const cards = [];
try {
  const expireHours = { critical: 4, high: 12, medium: 24, low: 72 };
  // The pending card, as posted: read it before anyone approves.
  let pending;
  const deadline = Date.now() + 120_000;
  while (pending === undefined && Date.now() < deadline) {
    const incidents = await listIncidents(world.warden.db, world.day.tenant.id);
    // Once the chain is whole (the move seen): nobody approves before playHeadless below.
    const hijack = incidents.find(
      (i) =>
        i.rules.includes("subscription-hijack-chain") &&
        i.rules.includes("subscription-directory-changed") &&
        i.state === "pending",
    );
    if (hijack !== undefined) pending = await incidentView(world.warden.db, hijack, { expireHours });
    else await new Promise((r) => setTimeout(r, 500));
  }
  if (pending === undefined) throw new Error("the hijack incident never waited for approval");
  await playHeadless(world, { approve: true, progress: () => {} });
  const hijack = (await listIncidents(world.warden.db, world.day.tenant.id)).find((i) =>
    i.rules.includes("subscription-hijack-chain"),
  );
  const contained = await incidentView(world.warden.db, hijack);
  const trail = await auditTrail(world.warden.db, hijack.id);
  const at = contained.decisions[0]?.at ?? Date.now();
  const as = (actions, state, extra = {}) => ({
    ...contained,
    state,
    actions: contained.actions.map((a, i) => ({ ...a, ...actions(a, i) })),
    ...extra,
  });
  const analyst = { verb: "Approved", by: "Demo Analyst", at };
  const roster = ["29:a11ce000-0000-4000-8000-0000000a11ce"];
  const add = (name, view, audience = "approver") =>
    cards.push({ name, card: incidentCard(view, { audience, refreshFor: roster }) });

  add("new", pending, "reader");
  add("new-approver", pending);
  const refused = incidentCard(pending, { audience: "reader", refreshFor: roster });
  refused.body.unshift({
    type: "TextBlock",
    text: "Refused: you are the subject or the actor of this incident: someone else must decide",
    wrap: true,
    color: "attention",
    weight: "Bolder",
  });
  cards.push({ name: "refused", card: refused });
  add("contained", contained);
  add(
    "partial",
    as((a) => (a.action === "block-subscription-transfer" ? { state: "awaiting-admin", outcome: "waiting for a Global Administrator: Microsoft lets no app change the subscription policy" } : {}), "partial"),
  );
  add(
    "waiting-outage",
    as((a, i) => (i < 2 ? { state: "waiting", outcome: "waiting to retry: HTTP503 (Service Unavailable)" } : {}), "executing"),
  );
  add(
    "failed",
    as(
      (a, i) =>
        i === 1
          ? { state: "failed", retryable: false, outcome: "failed: Not found (Request_ResourceNotFound): the object no longer exists or was never there." }
          : i === 2
            ? { state: "failed", retryable: true, outcome: "failed: Warden's app was refused (Authorization_RequestDenied): grant it RoleManagement.ReadWrite.Directory." }
            : {},
      "partial",
    ),
  );
  add(
    "retried",
    as(() => ({}), "contained", {
      decisions: [analyst, { verb: "Retry approved", by: "Sam Lead", at: at + 300_000 }],
    }),
  );
  add(
    "undone",
    as(() => ({ state: "undone" }), "reverted", {
      decisions: [analyst, { verb: "Undone", by: "Sam Lead", at: at + 600_000, reason: "the contractor was confirmed by phone" }],
      notDone: [],
    }),
  );
  add(
    "denied",
    { ...pending, state: "denied", expiresAt: undefined, decisions: [{ verb: "Denied", by: "Demo Analyst", at, reason: "a planned migration" }] },
  );
  add("expired", { ...pending, state: "expired", expiresAt: undefined, decisions: [] });
  cards.push({ name: "audit-trail", card: auditCard({ id: hijack.id, title: contained.title }, trail) });
} finally {
  await world.close();
}
await writeFile(values.out, `${JSON.stringify(cards, null, 1)}\n`);
process.stderr.write(`card-gallery: ${cards.length} cards written to ${values.out}\n`);
process.exit(0);

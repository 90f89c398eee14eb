import { mkdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoProcess, startDemoProcess } from "../helpers/demo-process.js";
import { CHROMIUM_PATH, chromiumAvailable } from "../helpers/services.js";
import {
  addStressCard,
  colours,
  type Layout,
  layout,
  luminance,
  medianLuminance,
  POSTED_CARD,
} from "./phone-probes.js";

/**
 * The demo's SOC console in Debian's Chromium: the hijack card appears, a non-approver's click is refused,
 * the analyst's click contains, and the tenant beside the channel shows the guest disabled. On a phone
 * (360 px) nothing scrolls sideways, and the page and its cards follow a dark system theme.
 */

const HIJACK = "A new admin guest moved a subscription out";
const GUEST_DOMAIN = "outlook-helpdesk.net";
const hasChromium = await chromiumAvailable();

function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe.runIf(hasChromium)("warden demo: the SOC console in a browser", () => {
  let demo: DemoProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoProcess(["--port", "0", "--play-seconds", "15"]);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      // Without these, Chromium keeps calling Google's hosts, which this closed network refuses.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  }, 90_000);

  // Closing Chromium and letting the demo finish its running jobs took over a minute once in CI, among
  // the other files (the cause is not known; alone the whole file takes 30 s): the teardown gets more
  // than the default minute, so a slow stop is told apart from one that never ends.
  afterAll(async () => {
    await browser?.close();
    if (demo !== undefined) {
      const code = await demo.stop();
      expect(code).toBe(0);
      expect(demo.stdout()).toContain("Warden demo: stopped");
    }
  }, 150_000);

  it("keeps its API to the page that carries its token, on a loopback Host", async () => {
    const origin = new URL(demo.consoleUrl).origin;
    const token = new URL(demo.consoleUrl).hash.replace("#token=", "");
    expect(await rawGet(`${origin}/api/state`, {})).toBe(401);
    expect(await rawGet(`${origin}/api/state`, { "x-console-token": `${token}x` })).toBe(401);
    expect(await rawGet(`${origin}/api/state`, { "x-console-token": token })).toBe(200);
    // DNS rebinding: a page served from another name that resolves here is refused, token or not.
    expect(
      await rawGet(`${origin}/api/state`, { "x-console-token": token, host: "attacker.example:80" }),
    ).toBe(421);
  });

  it("shows the hijack card; a non-approver gets no button to decide with; the analyst's contains the guest", async () => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(demo.consoleUrl);
    const card = page.locator("article.message", { hasText: HIJACK });
    await card.waitFor({ timeout: 120_000 });
    await card.getByText("Waiting for approval").waitFor({ timeout: 60_000 });
    const guestRow = page.locator("#tenant tr", { hasText: GUEST_DOMAIN }).first();
    await expect.poll(() => guestRow.getAttribute("data-enabled")).toBe("true");

    // Someone who is not an approver reads the card Teams shows everyone: no button to decide with, and
    // who decides (a click would be refused anyway: test/bot covers the server's check).
    await page.selectOption("#person", { label: "Sam Helpdesk (not an approver)" });
    await card.getByText("Only approvers decide.").waitFor({ timeout: 30_000 });
    expect(await card.getByRole("button", { name: "Approve", exact: true }).count()).toBe(0);
    expect(await guestRow.getAttribute("data-enabled")).toBe("true");

    await page.selectOption("#person", { label: "Demo Analyst (approver)" });
    // As a person would: approve whenever the card waits for approval. The incident may grow after a
    // click (the chain's later steps arrive): a stale click is refused with the current card, and actions
    // planned after a decision wait for one of their own.
    const deadline = Date.now() + 120_000;
    let clicks = 0;
    while ((await card.getByText(/ · Contained · /).count()) === 0) {
      if (Date.now() > deadline)
        throw new Error(`not contained in 120 s; the card says: ${await card.textContent()}`);
      const waiting = (await card.getByText(/ · Waiting for approval/).count()) > 0;
      const approve = card.getByRole("button", { name: "Approve", exact: true });
      if (waiting && (await approve.count()) > 0) {
        await approve.click();
        clicks += 1;
        await card
          .getByText(/^(Refused: |Approved by Demo Analyst)/)
          .first()
          .waitFor({ timeout: 30_000 });
      }
      await page.waitForTimeout(500);
    }
    expect(clicks).toBeGreaterThanOrEqual(1);
    expect(clicks).toBeLessThanOrEqual(5);
    await expect.poll(() => guestRow.getAttribute("data-enabled"), { timeout: 15_000 }).toBe("false");
    await expect.poll(() => page.getByTestId("transfers").textContent()).toContain("blocked from leaving");
    await expect(card.getByText("Approved by Demo Analyst", { exact: false }).count()).resolves.toBe(1);

    // What the run looks like to Prometheus: real counts from this demo, not only declared metrics. The
    // other three incidents' cards may still be on their way when the hijack is contained: wait for them.
    const scrape = async () => (await fetch(`${demo.wardenUrl}/metrics`)).text();
    await expect
      .poll(async () => /^warden_cards_total\{kind="posted"\} ([4-9]|\d{2,})$/m.test(await scrape()), {
        timeout: 60_000,
      })
      .toBe(true);
    const metrics = await scrape();
    const value = (series: string) => {
      const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
    };
    expect(value('warden_events_ingested_total{source="directoryAudits"}')).toBeGreaterThan(0);
    expect(value('warden_events_ingested_total{source="activity"}')).toBeGreaterThan(0);
    expect(value('warden_findings_total{rule="subscription-hijack-chain"}')).toBeGreaterThanOrEqual(1);
    expect(value('warden_incidents{state="contained"}')).toBeGreaterThanOrEqual(1);
    expect(value("warden_event_to_card_seconds_count")).toBeGreaterThanOrEqual(4);
    expect(value('warden_approval_to_contained_seconds_count{decided_by="approver"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(value('warden_cloud_requests_total{api="graph",status="200"}')).toBeGreaterThan(0);
    expect(value('warden_cloud_requests_total{api="arm",status="200"}')).toBeGreaterThan(0);
    expect(value('warden_cards_total{kind="posted"}')).toBeGreaterThanOrEqual(4);
    expect(value("warden_state_read_ok")).toBe(1);

    // The README's picture: the contained card at the top, the tenant beside it.
    await card.evaluate((el) => el.scrollIntoView({ block: "start" }));
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: join("test-results", "console.png") });
    expect(errors).toEqual([]);
  }, 240_000);

  it("answers the analyst's `inventory` in chat with the external admins, and refuses it to others", async () => {
    await page.selectOption("#person", { label: "Demo Analyst (approver)" });
    await page.fill("#chat-text", "inventory");
    await page.click("#chat-form button");
    await page
      .locator("#chat")
      .getByText(/external account/i)
      .first()
      .waitFor({ timeout: 30_000 });
    // The posture: answered at once (the card follows when read: test/bot); its weekly card is in the
    // channel from the start, a week of the demo's time being seven plays.
    await page.fill("#chat-text", "posture");
    await page.click("#chat-form button");
    await page
      .locator("#chat")
      .getByText("Reading the tenant's posture")
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .locator("#channel")
      .getByText(/Posture: \d+ open doors?/)
      .first()
      .waitFor({ timeout: 60_000 });
    await page.selectOption("#person", { label: "Sam Helpdesk (not an approver)" });
    await page.fill("#chat-text", "inventory");
    await page.click("#chat-form button");
    await page
      .locator("#chat")
      .getByText("Only Warden's approvers can ask this")
      .waitFor({ timeout: 30_000 });
  }, 150_000);

  it("fits a 360 px phone and follows the system's dark theme, cards included", async () => {
    const fits = (seen: Layout) => {
      expect(seen.scrollWidth, JSON.stringify(seen.pastTheEdge)).toBeLessThanOrEqual(seen.innerWidth);
      expect(seen.pastTheEdge).toEqual([]);
      // Long unbroken strings wrap: none is cut off inside its text block either.
      expect(seen.clippedText).toEqual([]);
      expect(seen.tenantBelowChannel).toBe(true);
    };
    const phone = async (colorScheme: "light" | "dark") => {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme });
      const page = await context.newPage();
      await page.goto(demo.consoleUrl);
      await page.locator(POSTED_CARD).first().waitFor({ timeout: 120_000 });
      await addStressCard(page);
      return { context, page };
    };

    const light = await phone("light");
    fits(await layout(light.page));
    const day = await colours(light.page);
    expect(luminance(day.page)).toBeGreaterThan(0.8);
    expect(Math.min(...day.cardBackgrounds.map(luminance))).toBeGreaterThan(0.8);
    expect(medianLuminance(day.cardTexts)).toBeLessThan(0.2);
    expect(luminance(day.factValue)).toBeLessThan(0.1);
    // The reader switches to dark with the console open: every card already drawn follows, not only
    // those the demo happens to update meanwhile.
    await light.page.emulateMedia({ colorScheme: "dark" });
    await expect
      .poll(async () => Math.max(...(await colours(light.page)).cardBackgrounds.map(luminance)))
      .toBeLessThan(0.05);
    expect(medianLuminance((await colours(light.page)).cardTexts)).toBeGreaterThan(0.5);
    await light.context.close();

    const dark = await phone("dark");
    fits(await layout(dark.page));
    const night = await colours(dark.page);
    expect(luminance(night.page)).toBeLessThan(0.05);
    expect(Math.max(...night.cardBackgrounds.map(luminance))).toBeLessThan(0.05);
    expect(medianLuminance(night.cardTexts)).toBeGreaterThan(0.5);
    expect(luminance(night.factValue)).toBeGreaterThan(0.7);
    await dark.page.screenshot({ path: join("test-results", "console-360-dark.png"), fullPage: true });
    await dark.context.close();
  }, 180_000);
});

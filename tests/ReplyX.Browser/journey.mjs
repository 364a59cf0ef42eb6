// The whole journey through the web app, in Debian's headless Chromium through playwright-core. Started by
// tests/ReplyX.Cluster.Tests (BrowserTests), which runs a real ReplyX host (embedded default), a fake model, a
// fake Telegram Bot API and a shop page that embeds whatever snippet it is given, and passes their addresses.
//
// An owner signs up, follows the first-run guide, creates an assistant, gives it a document and sees it ready,
// connects a Telegram bot and sees it running, copies the widget snippet into the shop's page, where a visitor
// chats; an operator the owner invited takes the dialog over and replies, and the visitor sees it; the owner sees
// the usage. An admin finds the account and its usage, watches the cluster view with its silo and activations and
// opens the Orleans Dashboard; a signed-in non-admin gets 403 there. Every main page is then screenshot in English
// and Russian and checked with axe-core, and the time until each page shows its content is written to
// $ARTIFACTS/timings.json. One JSON line per check; exits non-zero when any failed.
import fs from "node:fs";
import path from "node:path";
import { request } from "playwright-core";
import { accessibility, artifacts, check, env, run, step } from "./harness.mjs";

const replyx = env("REPLYX_URL");
const shop = env("SHOP_URL");
const adminEmail = env("ADMIN_EMAIL");
const adminPassword = env("ADMIN_PASSWORD");
const model = env("MODEL");
const botToken = env("BOT_TOKEN");
const documentPath = env("DOCUMENT");

const stamp = Date.now().toString(36);
const owner = { name: "Olga Petrova", account: `Flower shop ${stamp}`, email: `olga.${stamp}@journey.test`, password: "journey owner password 1" };
const operator = { name: "Anna Operator", email: `anna.${stamp}@journey.test`, password: "journey operator password 1" };
const desktop = { viewport: { width: 1366, height: 900 } };

async function signIn(page, email, password, landmark, next = "/") {
  await page.goto(replyx + "/login?next=" + encodeURIComponent(next));
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId(landmark).waitFor({ timeout: 20000 });
}

/** Waits until `condition` (evaluated in the page) holds, polling; fails the step with `what` after `timeout`. */
async function until(page, what, condition, arg, timeout = 30000) {
  await step(what, () => page.waitForFunction(condition, arg, { timeout, polling: 250 }));
  check(what, true);
}

/**
 * Until the page has loaded and shows no loading placeholder (`aria-busy="true"`): live pages (the desk's feed, the
 * cluster's polling) never leave the network idle, so that is not what is waited for.
 */
async function settled(page) {
  await page.waitForLoadState("load");
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0, null, { timeout: 10000, polling: 100 })
    .catch(() => {}); // a list refreshing in the background may stay busy; the screenshot is taken either way
}

const timings = [];

/**
 * Opens `url` afresh in a page of the given language, waits for `testId`, measures the time from navigation to
 * that moment, screenshots it as journey-{name}-{lang}.png and runs axe-core on it.
 */
async function visit(context, name, url, testId, lang) {
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(url);
  await step(`${name} (${lang}): the page shows`, () => page.getByTestId(testId).first().waitFor({ timeout: 30000 })
    .catch(async (error) => {
      await page.screenshot({ path: path.join(artifacts, `journey-${name}-${lang}-failed.png`), fullPage: true }).catch(() => {});
      throw error;
    }));
  const shown = Date.now() - started;
  await settled(page);
  const navigation = await page.evaluate(() => {
    const entry = performance.getEntriesByType("navigation")[0];
    return entry ? { domInteractive: Math.round(entry.domInteractive), load: Math.round(entry.loadEventEnd) } : null;
  });
  timings.push({ page: name, lang, contentShownMs: shown, ...navigation });
  const htmlLang = await page.evaluate(() => document.documentElement.lang);
  check(`${name} (${lang}): the page speaks ${lang}`, htmlLang === lang, htmlLang);
  await page.screenshot({ path: path.join(artifacts, `journey-${name}-${lang}.png`), fullPage: true });
  await accessibility(page, `${name} (${lang})`);
  await page.close();
}

await run(async (browser) => {
  // 1. The owner signs up (English) and lands on the first-run guide.
  const ownerContext = await browser.newContext({ ...desktop, locale: "en-US" });
  const ownerPage = await ownerContext.newPage();
  await step("sign-up: the page opens from the login page", async () => {
    await ownerPage.goto(replyx + "/login");
    await ownerPage.getByTestId("login-register-link").click();
    await ownerPage.getByTestId("signup-form").waitFor({ timeout: 20000 });
  });
  const form = ownerPage.getByTestId("signup-form");
  await form.getByTestId("signup-name").fill(owner.name);
  await form.getByTestId("signup-account-name").fill(owner.account);
  await form.getByTestId("signup-email").fill(owner.email);
  await form.getByTestId("signup-password").fill(owner.password);
  await form.getByTestId("signup-submit").click();
  await step("sign-up: the owner lands on the first-run guide", () => ownerPage.getByTestId("start-guide").waitFor({ timeout: 20000 }));
  const openSteps = await ownerPage.locator('[data-testid="guide-step"][data-done="false"]').count();
  check("guide: a new account has every step to do", openSteps === 4, openSteps);

  // 2. An assistant, created and edited.
  await ownerPage.goto(replyx + "/assistants");
  await step("assistants: create one, and its settings open", async () => {
    await ownerPage.getByTestId("assistant-create-name").fill("Flower help");
    await ownerPage.getByTestId("assistant-create").click();
    await ownerPage.waitForURL(/\/assistants\/[0-9a-f-]{36}$/, { timeout: 20000 });
    await ownerPage.getByTestId("assistant-form").waitFor({ timeout: 20000 });
  });
  const assistantId = ownerPage.url().split("/").pop();
  check("assistants: created", /^[0-9a-f-]{36}$/.test(assistantId), assistantId);
  const editor = ownerPage.getByTestId("assistant-form");
  await editor.getByTestId("assistant-prompt").fill("You answer questions about our flower shop, briefly.");
  await editor.getByTestId("assistant-model").fill(model);

  // The widget: the shop's origin allowed, a colour, and the snippet.
  await ownerPage.getByTestId("origin-input").fill(shop);
  await ownerPage.getByTestId("origin-add").click();
  await ownerPage.getByTestId("assistant-save").click();
  await step("widget: the origin is saved", () => ownerPage.locator(`[data-testid="assistant-dirty"][data-dirty="false"]`).waitFor({ timeout: 20000 }));
  const snippet = (await ownerPage.getByTestId("widget-snippet").innerText()).trim();
  check("widget: the snippet names this host and this assistant", snippet.includes(`${replyx}/widget.js`) && snippet.includes(assistantId), snippet);
  await step("widget: the preview shows", () => ownerPage.getByTestId("widget-preview").waitFor({ timeout: 10000 }));

  // 3. A document, uploaded and ready.
  await ownerPage.goto(`${replyx}/assistants/${assistantId}/documents`);
  await step("documents: the page opens", () => ownerPage.getByTestId("documents-page").waitFor({ timeout: 20000 }));
  await ownerPage.getByTestId("upload-zone").locator("input[type=file]").setInputFiles(documentPath);
  await step("documents: the upload becomes ready", () =>
    ownerPage.locator('[data-testid="document-row"][data-status="ready"]').first().waitFor({ timeout: 90000 }));
  check("documents: ready", true);

  // 4. A Telegram bot, connected against the fake Bot API, running.
  await ownerPage.goto(replyx + "/bots");
  await step("bots: the page opens", () => ownerPage.getByTestId("bots-page").waitFor({ timeout: 20000 }));
  const connect = ownerPage.getByTestId("bot-connect-form");
  await connect.getByTestId("bot-token").fill(botToken);
  await connect.getByTestId("bot-mode-polling").click();
  await connect.getByTestId("bot-connect").click();
  await step("bots: the bot runs", () => ownerPage.locator('[data-testid="bot-row"][data-status="running"]').first().waitFor({ timeout: 30000 }));
  check("bots: connected and running", true);

  // 5. An operator, invited.
  await ownerPage.goto(replyx + "/operators");
  await step("operators: the page opens", () => ownerPage.getByTestId("operators-page").waitFor({ timeout: 20000 }));
  const invite = ownerPage.getByTestId("invite-form");
  await invite.getByTestId("invite-name").fill(operator.name);
  await invite.getByTestId("invite-email").fill(operator.email);
  await invite.getByTestId("invite-password").fill(operator.password);
  await invite.getByTestId("invite-submit").click();
  await step("operators: the operator is listed", () => ownerPage.getByTestId("operator-item").filter({ hasText: operator.email }).waitFor({ timeout: 20000 }));

  // 6. The operator signs in to the desk; a visitor chats on the shop's page through the pasted snippet.
  const deskContext = await browser.newContext({ ...desktop, locale: "en-US" });
  const desk = await deskContext.newPage();
  await signIn(desk, operator.email, operator.password, "desk");
  await desk.getByTestId("tab-queue").click();
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const visitor = await visitorContext.newPage();
  await visitor.goto(`${shop}/embed?snippet=${encodeURIComponent(snippet)}`);
  await step("widget: the pasted snippet shows the launcher", () => visitor.getByTestId("replyx-launcher").waitFor({ timeout: 20000 }));
  await visitor.getByTestId("replyx-launcher").click();
  await visitor.getByTestId("replyx-input").fill("Do you deliver flowers in the evening?");
  await visitor.getByTestId("replyx-send").click();
  await step("widget: the assistant answers", () =>
    visitor.getByTestId("replyx-message").filter({ hasText: "Echo:" }).first().waitFor({ timeout: 30000 }));
  check("widget: answered", true);
  await visitor.getByTestId("replyx-handoff").click();
  await step("desk: the handoff arrives live", () => desk.getByTestId("dialog-item").first().waitFor({ timeout: 20000 }));
  await desk.getByTestId("dialog-item").first().click();
  await step("desk: take over", async () => {
    await desk.getByTestId("takeover").click();
    await desk.getByTestId("reply-input").waitFor({ timeout: 10000 });
  });
  await desk.getByTestId("reply-input").fill("Hello, this is Anna: yes, until 22:00.");
  await desk.getByTestId("reply-send").click();
  await step("widget: the operator's reply reaches the visitor", () =>
    visitor.getByTestId("replyx-message").filter({ hasText: "this is Anna" }).waitFor({ timeout: 20000 }));
  check("widget: the operator's reply arrived", true);

  // 7. The owner sees the usage: today's messages by the customer, the AI and the operator.
  await ownerPage.goto(replyx + "/usage");
  await step("usage: the page opens", () => ownerPage.getByTestId("usage-messages-chart").waitFor({ timeout: 20000 }));
  await until(ownerPage, "usage: today's messages are counted", () => {
    const total = document.querySelector('[data-testid="usage-messages-chart-total"]')?.textContent ?? "0";
    return Number(total.replace(/\D/g, "")) >= 3;
  }, null);
  await ownerPage.goto(replyx + "/start");
  await until(ownerPage, "guide: the steps done are marked done", () =>
    document.querySelectorAll('[data-testid="guide-step"][data-done="true"]').length >= 3, null);

  // 8. The admin: the account and its usage, the cluster view, the Orleans Dashboard.
  const adminContext = await browser.newContext({ ...desktop, locale: "en-US" });
  const admin = await adminContext.newPage();
  await signIn(admin, adminEmail, adminPassword, "nav-admin", "/admin/users");
  await admin.getByTestId("user-search").fill(owner.email);
  await step("admin: the owner is found", () => admin.getByTestId("user-row").filter({ hasText: owner.email }).waitFor({ timeout: 20000 }));
  const row = admin.getByTestId("user-row").filter({ hasText: owner.email });
  check("admin: the owner's row names the account", (await row.innerText()).includes(owner.account), await row.innerText());
  await row.getByTestId("user-usage-open").click();
  await until(admin, "admin: the account's usage shows its messages", () => {
    const total = document.querySelector('[data-testid="user-usage-chart-total"]')?.textContent ?? "0";
    return Number(total.replace(/\D/g, "")) >= 3;
  }, null);
  await admin.keyboard.press("Escape");

  await admin.goto(replyx + "/admin/cluster");
  await step("cluster: the silo is listed", () => admin.getByTestId("cluster-silo").first().waitFor({ timeout: 20000 }));
  const silos = await admin.getByTestId("cluster-silo").count();
  check("cluster: one silo", silos === 1, silos);
  await until(admin, "cluster: activations per grain type include the dialog and bot grains", () => {
    const names = [...document.querySelectorAll('[data-testid="cluster-grain-type"]')].map((r) => r.textContent ?? "");
    return names.some((n) => n.includes("DialogGrain")) && names.some((n) => n.includes("BotGrain"));
  }, null);
  const [dashboard] = await Promise.all([adminContext.waitForEvent("page", { timeout: 20000 }), admin.getByTestId("open-orleans-dashboard").click()]);
  await step("orleans dashboard: opens for the admin", async () => {
    await dashboard.waitForURL((url) => url.pathname.startsWith("/admin/orleans"), { timeout: 20000 });
    await dashboard.waitForResponse((r) => r.url().includes("/admin/orleans/DashboardCounters") && r.status() === 200, { timeout: 20000 });
  });
  check("orleans dashboard: its data answers 200 for the admin", true, await dashboard.title());
  await dashboard.waitForTimeout(1500);
  await dashboard.screenshot({ path: path.join(artifacts, "orleans-dashboard.png") });

  // A signed-in non-admin who holds a dashboard cookie is refused there.
  const api = await request.newContext({ baseURL: replyx });
  const login = await api.post("/api/auth/login", { data: { email: owner.email, password: owner.password } });
  const token = (await login.json()).accessToken;
  const session = await api.post("/api/auth/dashboard-session", { headers: { Authorization: `Bearer ${token}` } });
  check("orleans dashboard: a non-admin may start a session", session.status() === 204, session.status());
  const refused = await api.get("/admin/orleans/");
  check("orleans dashboard: a non-admin gets 403", refused.status() === 403, refused.status());
  const anonymous = await (await request.newContext({ baseURL: replyx })).get("/admin/orleans/DashboardCounters");
  check("orleans dashboard: a stranger gets 401", anonymous.status() === 401, anonymous.status());

  // 9. Every main page in English and Russian: screenshot, axe-core, time until its content shows.
  const pages = [
    ["start", "/start", "start-guide", ownerContext],
    ["assistants", "/assistants", "assistants-page", ownerContext],
    ["assistant", `/assistants/${assistantId}`, "assistant-editor", ownerContext],
    ["documents", `/assistants/${assistantId}/documents`, "documents-page", ownerContext],
    ["bots", "/bots", "bots-page", ownerContext],
    ["desk", "/", "desk", deskContext],
    ["operators", "/operators", "operators-page", ownerContext],
    ["usage", "/usage", "usage-page", ownerContext],
    ["balance", "/balance", "balance-current-value", ownerContext],
    ["settings", "/settings", "settings-page", ownerContext],
    ["admin-overview", "/admin", "admin-overview", adminContext],
    ["admin-users", "/admin/users", "admin-users", adminContext],
    ["admin-ai-keys", "/admin/ai-keys", "ai-keys", adminContext],
    ["admin-bots", "/admin/bots", "admin-bots", adminContext],
    ["admin-cluster", "/admin/cluster", "cluster-view", adminContext],
    ["admin-audit", "/admin/audit", "admin-audit", adminContext],
  ];
  const anonymousContext = await browser.newContext({ ...desktop, locale: "en-US" });
  pages.push(["login", "/login", "login-form", anonymousContext], ["signup", "/register", "signup-form", anonymousContext]);
  for (const lang of ["en", "ru"]) {
    for (const context of [ownerContext, deskContext, adminContext, anonymousContext]) {
      await context.addInitScript((value) => localStorage.setItem("replyx.lang", value), lang);
    }
    for (const [name, url, testId, context] of pages) {
      await visit(context, name, replyx + url, testId, lang);
    }
  }
  fs.writeFileSync(path.join(artifacts, "timings.json"), JSON.stringify(timings, null, 2));

  // Phone width (375 px, Russian, whose words run longest): every main page fits the screen, screenshot kept.
  for (const [name, url, testId, context] of pages) {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: "ru-RU", storageState: await context.storageState() });
    await phone.addInitScript(() => localStorage.setItem("replyx.lang", "ru"));
    const page = await phone.newPage();
    await page.goto(replyx + url);
    await step(`phone: ${name} shows`, () => page.getByTestId(testId).first().waitFor({ timeout: 30000 }));
    await settled(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(`phone: ${name} is no wider than the screen`, overflow <= 1, overflow);
    await page.screenshot({ path: path.join(artifacts, `journey-${name}-phone.png`), fullPage: true });
    // The copied session's refresh token was rotated here: hand the new one back, so the desktop context stays signed in.
    await context.addCookies((await phone.cookies()).filter((c) => c.name === "replyx_refresh" || c.name === "replyx_csrf"));
    await phone.close();
  }
}, async (browser) => {
  for (const [c, context] of browser.contexts().entries()) {
    for (const [i, page] of context.pages().entries()) {
      await page.screenshot({ path: path.join(artifacts, `journey-failure-${c}-${i}.png`) }).catch(() => {});
    }
  }
});

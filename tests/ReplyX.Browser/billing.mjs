// Browser test of the balance pages and the admins' billing pages, in Debian's headless Chromium through
// playwright-core. Started by tests/ReplyX.Cluster.Tests (BrowserTests), which runs a real ReplyX host against
// a fake YooKassa and passes the addresses, the users and a promo code in the environment. Prints one JSON
// line per check and exits non-zero when any failed. Screenshots go to $ARTIFACTS.
//
// The owner sees the welcome balance, tops up on the fake YooKassa's page, comes back and sees the balance grow
// by exactly that amount and the top-up in the history; redeems the promo code (the balance grows again) and
// is refused a second time with the API's words. The admin schedules a price and sees the code used once.
import fs from "node:fs";
import path from "node:path";
import { accessibility, artifacts, check, env, run, step } from "./harness.mjs";

const replyx = env("REPLYX_URL");
const yookassa = env("YOOKASSA_URL");
const ownerEmail = env("OWNER_EMAIL");
const ownerPassword = env("OWNER_PASSWORD");
const adminEmail = env("ADMIN_EMAIL");
const adminPassword = env("ADMIN_PASSWORD");
const promoCode = env("PROMO_CODE");
const promoAmount = Number(env("PROMO_AMOUNT"));
const welcome = Number(env("WELCOME_CREDIT"));
const topUp = Number(env("TOPUP_AMOUNT"));

/** "₽1,510.00" (en-US) → 1510. */
function roubles(text) {
  return Number(text.replace(/[^\d.\-−]/g, "").replace("−", "-"));
}

async function balanceOf(page) {
  return roubles(await page.getByTestId("balance-current-value").innerText());
}

/** Waits until the shown balance is `expected` (the page reads it again after a change), then checks it. */
async function expectBalance(page, expected, name) {
  let shown = NaN;
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    shown = await balanceOf(page).catch(() => NaN);
    if (Math.abs(shown - expected) < 0.000001) break;
    await page.waitForTimeout(250);
  }
  check(name, Math.abs(shown - expected) < 0.000001, { shown, expected });
}

/** Signs in and waits for `landmark`, on the page at `next` (the sign-in form goes there). */
async function signIn(page, email, password, landmark, next = "/") {
  await page.goto(replyx + "/login?next=" + encodeURIComponent(next));
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId(landmark).waitFor({ timeout: 20000 });
}

await run(async (browser) => {
  const ownerContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
  const owner = await ownerContext.newPage();
  await step("balance: the owner signs in and opens the balance from the navigation", async () => {
    await signIn(owner, ownerEmail, ownerPassword, "nav-balance");
    await owner.getByTestId("nav-balance").click();
    await owner.getByTestId("balance-current-value").waitFor({ timeout: 20000 });
  });
  const before = await balanceOf(owner);
  check("balance: the welcome credit is shown", before === welcome, { shown: before, expected: welcome });
  await step("balance: the welcome credit is in the history", () =>
    owner.locator('[data-testid="history-row"][data-kind="welcome"]').first().waitFor({ timeout: 10000 }));
  await step("balance: the price list is shown", () => owner.getByTestId("price-row").first().waitFor({ timeout: 10000 }));

  // An amount below the minimum is refused in the form, before any payment is started.
  await owner.getByTestId("topup-amount").fill("1");
  await owner.getByTestId("topup-submit").click();
  const tooSmall = await owner.getByTestId("topup-amount").getAttribute("aria-invalid");
  check("top-up: an amount below the minimum is refused in the form", tooSmall === "true", tooSmall);

  await owner.getByTestId("topup-amount").fill(String(topUp));
  await owner.getByTestId("topup-submit").click();
  await step("top-up: the browser goes to YooKassa's confirmation page", async () => {
    await owner.waitForURL((url) => url.toString().startsWith(yookassa + "/checkout/"), { timeout: 20000 });
    await owner.getByRole("heading", { name: `Оплата ${topUp.toFixed(2)} ₽` }).waitFor({ timeout: 10000 });
  });
  check("top-up: YooKassa's page asks for the amount", true, owner.url());
  await owner.getByRole("button", { name: "Оплатить" }).click();
  await step("top-up: back on the balance page, the payment is confirmed", async () => {
    await owner.waitForURL((url) => url.toString().startsWith(replyx + "/balance"), { timeout: 20000 });
    await owner.getByTestId("topup-confirmed").waitFor({ timeout: 30000 });
  });
  check("top-up: confirmed after the return", true, await owner.getByTestId("topup-confirmed").innerText());
  await expectBalance(owner, before + topUp, "top-up: the balance grew by exactly the amount paid");
  await step("top-up: the top-up is in the history", () =>
    owner.locator('[data-testid="history-row"][data-kind="topup"]').first().waitFor({ timeout: 10000 }));
  const topUpRow = await owner.locator('[data-testid="history-row"][data-kind="topup"]').first().getByTestId("history-amount").innerText();
  check("top-up: the history shows the amount", roubles(topUpRow) === topUp, topUpRow);

  // The history's filter: only top-ups.
  await owner.getByTestId("history-kind").click();
  await owner.getByRole("option", { name: "Top-up" }).click();
  await step("history: filtered by kind", async () => {
    await owner.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="history-row"]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute("data-kind") === "topup");
    }, null, { timeout: 10000 });
  });
  check("history: the kind filter shows only top-ups", true);

  // The CSV export (fetched with the token, saved as a file).
  const [download] = await Promise.all([owner.waitForEvent("download", { timeout: 15000 }), owner.getByTestId("history-csv").click()]);
  const csvPath = path.join(artifacts, "transactions.csv");
  await download.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, "utf8");
  check("history: the CSV download holds the top-up", csv.startsWith("id,at,kind,amount") && csv.includes(",topup,") && !csv.includes(",welcome,"),
    csv.split("\n").slice(0, 3));

  await owner.getByTestId("promo-code").fill(promoCode);
  await owner.getByTestId("promo-submit").click();
  await step("promo: redeemed", () => owner.getByTestId("promo-redeemed").waitFor({ timeout: 15000 }));
  await expectBalance(owner, before + topUp + promoAmount, "promo: the balance grew by the code's amount");
  await owner.getByTestId("promo-code").fill(promoCode);
  await owner.getByTestId("promo-submit").click();
  await step("promo: a second redemption is refused", () => owner.getByTestId("promo-error").waitFor({ timeout: 15000 }));
  const refusal = await owner.getByTestId("promo-error").innerText();
  check("promo: the refusal shows the API's problem title", refusal.includes("This account has redeemed the code already."), refusal);
  await expectBalance(owner, before + topUp + promoAmount, "promo: a second redemption credits nothing");

  await owner.screenshot({ path: path.join(artifacts, "balance.png"), fullPage: true });
  await accessibility(owner, "balance");

  // A payer who leaves YooKassa's page without paying and comes back: the page waits for a credit that does
  // not come, and the balance stays as it was.
  await owner.getByTestId("topup-quick-1000").click();
  await owner.getByTestId("topup-submit").click();
  await step("unpaid top-up: on YooKassa's page", () =>
    owner.waitForURL((url) => url.toString().startsWith(yookassa + "/checkout/"), { timeout: 20000 }));
  await owner.goto(replyx + "/balance");
  await step("unpaid top-up: back on the balance page, the payment is being confirmed", () =>
    owner.getByTestId("topup-confirming").waitFor({ timeout: 20000 }));
  check("unpaid top-up: the page says it is confirming the payment", true, await owner.getByTestId("topup-confirming").innerText());
  await owner.waitForTimeout(3000); // a poll or two
  check("unpaid top-up: nothing is credited", (await owner.getByTestId("topup-confirmed").count()) === 0);
  await expectBalance(owner, before + topUp + promoAmount, "unpaid top-up: the balance is unchanged");

  // Phone width, in Russian: the page fits the screen (no sideways scrolling) and formats money the Russian way.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ru-RU" });
  await phone.addInitScript(() => localStorage.setItem("replyx.lang", "ru"));
  const phonePage = await phone.newPage();
  // The spending chart: this account has spent nothing, so its rendering is checked with a spending report of
  // the browser's own (two services on two days), answered in place of the server's.
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const spendRows = [
    { day: yesterday, service: "ai_message", amount: "0.004000", count: 4 },
    { day: today, service: "ai_message", amount: "0.002000", count: 2 },
    { day: today, service: "document_upload", amount: "0.100000", count: 1 },
  ];
  await phonePage.route("**/api/balance/spend", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(spendRows) }));
  await step("balance at phone width: opens", async () => {
    await signIn(phonePage, ownerEmail, ownerPassword, "balance-current-value", "/balance");
    await phonePage.getByTestId("history-row").first().waitFor({ timeout: 20000 });
  });
  const overflow = await phonePage.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    // The innermost elements that reach past the screen's right edge, to tell what is too wide.
    wide: [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.children.length === 0 && !el.closest(".rx-visually-hidden"))
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`),
  }));
  check("balance at phone width: nothing wider than the screen", overflow.width <= 390, overflow);
  const ruBalance = await phonePage.getByTestId("balance-current-value").innerText();
  check("balance in Russian: roubles after the amount, decimal comma", /^\d[\d\s\u00a0\u202f]*,\d{2}\s?₽$/.test(ruBalance), ruBalance);
  await step("spending chart: drawn", () => phonePage.getByTestId("spend-chart").waitFor({ timeout: 10000 }));
  const chart = await phonePage.evaluate(() => ({
    bars: document.querySelectorAll('[data-testid="spend-chart"] svg rect').length,
    label: document.querySelector('[data-testid="spend-chart"] svg')?.getAttribute("aria-label") ?? "",
    rows: [...document.querySelectorAll('[data-testid="spend-table"] tbody tr')].map((r) => r.textContent),
    total: document.querySelector('[data-testid="spend-total"]')?.textContent ?? "",
  }));
  check("spending chart: one bar part per day and service, and a table of the same for screen readers",
    chart.bars === 3 && chart.rows.length === 2 && chart.label.length > 0, chart);
  check("spending chart: the total", chart.total.replace(/\s/g, "") === "0,106₽", chart.total);
  await phonePage.screenshot({ path: path.join(artifacts, "balance-phone.png"), fullPage: true });
  await accessibility(phonePage, "balance at phone width, in Russian");

  const adminContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
  const admin = await adminContext.newPage();
  await step("admin: signs in and opens the prices from the administration's navigation", async () => {
    await signIn(admin, adminEmail, adminPassword, "nav-admin");
    await admin.getByTestId("nav-admin").click();
    await admin.getByTestId("admin-nav-prices").click();
    await admin.getByTestId("admin-prices-page").waitFor({ timeout: 20000 });
  });
  check("admin: the owner's pages are not offered to the admin", (await admin.getByTestId("nav-balance").count()) === 0);
  await admin.getByTestId("price-service").click();
  await admin.getByRole("option", { name: "Bot messages" }).click();
  await admin.getByTestId("price-value-input").fill("0.001");
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  await admin.getByTestId("price-from").fill(`${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T09:00`);
  await admin.getByTestId("price-submit").click();
  await step("admin: the new price is listed as scheduled", () =>
    admin.locator('[data-testid="price-row"][data-service="bot_message"]').filter({ has: admin.locator('[data-state="scheduled"]') })
      .first().waitFor({ timeout: 15000 }));
  const scheduled = await admin.locator('[data-testid="price-row"][data-service="bot_message"]')
    .filter({ has: admin.locator('[data-state="scheduled"]') }).first().getByTestId("price-value").innerText();
  check("admin: a price of a tenth of a kopeck is readable", scheduled.includes("0.001"), scheduled);
  check("admin: current prices are listed too", (await admin.locator('[data-testid="price-state"][data-state="current"]').count()) > 0);
  await admin.screenshot({ path: path.join(artifacts, "admin-prices.png"), fullPage: true });
  await accessibility(admin, "admin prices");

  await admin.getByTestId("admin-nav-promo-codes").click();
  await step("admin: the promo codes page lists the code", () =>
    admin.locator(`[data-testid="promo-code-row"][data-code="${promoCode}"]`).waitFor({ timeout: 20000 }));
  const uses = await admin.locator(`[data-testid="promo-code-row"][data-code="${promoCode}"]`).getAttribute("data-uses");
  check("admin: the code has been used once", uses === "1", uses);
  // A code of a taken name is refused with the API's words; a new one is listed at once.
  await admin.getByTestId("promo-new-code").fill(promoCode.toLowerCase());
  await admin.getByTestId("promo-new-amount").fill("25");
  await admin.getByTestId("promo-new-submit").click();
  await step("admin: a taken code is refused", () => admin.getByTestId("promo-code-error").waitFor({ timeout: 15000 }));
  const taken = await admin.getByTestId("promo-code-error").innerText();
  check("admin: the refusal shows the API's problem title", taken.includes("A promo code of that name exists."), taken);
  const fresh = `${promoCode}-NEW`;
  await admin.getByTestId("promo-new-code").fill(fresh);
  await admin.getByTestId("promo-new-submit").click();
  await step("admin: the new code is listed", () =>
    admin.locator(`[data-testid="promo-code-row"][data-code="${fresh}"][data-uses="0"][data-max-uses="1"]`).waitFor({ timeout: 15000 }));
  check("admin: the new code is listed, unused", true, fresh);
  await admin.screenshot({ path: path.join(artifacts, "admin-promo.png"), fullPage: true });
  await accessibility(admin, "admin promo codes");
}, async (browser) => {
  // What each page showed when it failed.
  for (const [i, page] of browser.contexts().flatMap((c) => c.pages()).entries()) {
    await page.screenshot({ path: path.join(artifacts, `billing-failure-${i}.png`), fullPage: true }).catch(() => {});
  }
});

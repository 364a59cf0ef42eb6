// Browser tests of the ReplyX web app and widget, in Debian's headless Chromium through playwright-core.
// Started by tests/ReplyX.Cluster.Tests (BrowserTests), which runs a real ReplyX host, a fake model and a shop
// page that embeds /widget.js, and passes their addresses in the environment. Prints one JSON line per check
// and exits non-zero when any failed. Screenshots go to $ARTIFACTS.
import path from "node:path";
import { accessibility, artifacts, check, env, run, step } from "./harness.mjs";

const replyx = env("REPLYX_URL");
const shop = env("SHOP_URL");
const operatorEmail = env("OPERATOR_EMAIL");
const operatorPassword = env("OPERATOR_PASSWORD");

await run(async (browser) => {
  // The operator signs in first, so the handoff arrives live.
  const deskContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
  const desk = await deskContext.newPage();
  await step("desk: sign in", async () => {
    await desk.goto(replyx + "/");
    await desk.getByTestId("login-email").fill(operatorEmail);
    await desk.getByTestId("login-password").fill(operatorPassword);
    await desk.getByTestId("login-submit").click();
    await desk.getByTestId("desk").waitFor({ timeout: 20000 });
  });
  check("desk: signed in", true);
  await desk.getByTestId("tab-queue").click();

  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const visitor = await visitorContext.newPage();
  await visitor.goto(shop);
  const launcher = visitor.getByTestId("replyx-launcher");
  await step("widget: launcher shown", () => launcher.waitFor({ timeout: 20000 }));

  const hostStyles = await visitor.evaluate(() => ({
    text: getComputedStyle(document.getElementById("host-text")).color,
    button: getComputedStyle(document.getElementById("host-button")).backgroundColor,
    font: getComputedStyle(document.body).fontFamily,
  }));
  check("widget: the host page's styles are untouched", hostStyles.text === "rgb(0, 128, 0)" && hostStyles.button === "rgb(255, 0, 0)"
    && hostStyles.font === "serif", hostStyles);
  const launcherBackground = await launcher.evaluate((el) => getComputedStyle(el).backgroundColor);
  check("widget: the host page's rules do not reach inside the widget", launcherBackground !== "rgb(255, 0, 0)", launcherBackground);

  await launcher.click();
  await visitor.getByTestId("replyx-input").fill("What are your opening hours today?");
  await visitor.getByTestId("replyx-send").click();
  const answer = "Echo: What are your opening hours today?";
  await step("widget: the answer streams in", async () => {
    const typing = visitor.getByTestId("replyx-typing");
    await typing.waitFor({ timeout: 20000 });
    const partial = await typing.innerText();
    check("widget: a partial answer is shown while it is written", partial.length > 0 && !partial.includes("today?"), partial);
    await visitor.getByTestId("replyx-message").filter({ hasText: answer }).waitFor({ timeout: 20000 });
  });
  check("widget: the whole answer arrived", true, answer);
  await visitor.screenshot({ path: path.join(artifacts, "widget.png") });
  await accessibility(visitor, "widget");

  // The visitor asks for a person: the desk's queue shows it without a reload.
  await visitor.getByTestId("replyx-handoff").click();
  await step("desk: the handoff arrives live", () => desk.getByTestId("dialog-item").first().waitFor({ timeout: 20000 }));
  check("desk: the handoff arrived live", true);
  await desk.getByTestId("dialog-item").first().click();
  await step("desk: take over", async () => {
    await desk.getByTestId("takeover").click();
    await desk.getByTestId("reply-input").waitFor({ timeout: 10000 });
  });
  await desk.getByTestId("reply-input").fill("Hello, this is Anna. We are open until 9 pm.");
  await desk.getByTestId("reply-send").click();
  await step("widget: the operator's reply reaches the visitor", () =>
    visitor.getByTestId("replyx-message").filter({ hasText: "Hello, this is Anna." }).waitFor({ timeout: 20000 }));
  check("widget: the operator's reply reached the visitor", true);
  await desk.screenshot({ path: path.join(artifacts, "desk.png") });
  await visitor.screenshot({ path: path.join(artifacts, "widget-operator.png") });
  await accessibility(desk, "desk");

  // Phone width: the desk and the widget still work.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ru-RU" });
  const phoneVisitor = await phone.newPage();
  await phoneVisitor.goto(shop);
  await phoneVisitor.getByTestId("replyx-launcher").click();
  await step("widget at phone width: the input is usable", () => phoneVisitor.getByTestId("replyx-input").waitFor({ timeout: 10000 }));
  check("widget at phone width: opens", true);
  await phoneVisitor.screenshot({ path: path.join(artifacts, "widget-phone.png") });

  // The owner feeds the assistant a document, watches it become ready and asks the test chat: the answer shows its source.
  const ownerContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
  const owner = await ownerContext.newPage();
  await step("documents: the owner signs in", async () => {
    await owner.goto(replyx + "/");
    await owner.getByTestId("login-email").fill(process.env.OWNER_EMAIL);
    await owner.getByTestId("login-password").fill(process.env.OWNER_PASSWORD);
    await owner.getByTestId("login-submit").click();
    await owner.getByTestId("nav-assistants").waitFor({ timeout: 20000 });
  });
  await owner.goto(replyx + "/assistants/" + process.env.ASSISTANT_ID + "/documents");
  await step("documents: the page opens", () => owner.getByTestId("documents-page").waitFor({ timeout: 20000 }));
  await owner.getByTestId("upload-zone").locator("input[type=file]").setInputFiles({
    name: "opening-hours.md",
    mimeType: "text/markdown",
    buffer: Buffer.from("# Opening hours\n\nOur shop on Harbour Street is open from 9 am to 9 pm every day, Sundays included.\n\n# Returns\n\nReturns are accepted within 30 days with the receipt.\n"),
  });
  await step("documents: the upload becomes ready", () =>
    owner.locator('[data-testid="document-row"][data-status="ready"]').first().waitFor({ timeout: 60000 }));
  check("documents: ready", true);
  await owner.getByTestId("chat-input").fill("When is the shop on Harbour Street open?");
  await owner.getByTestId("chat-send").click();
  await step("documents: the test chat answers with its source", () =>
    owner.getByTestId("answer-source").filter({ hasText: "opening-hours.md" }).first().waitFor({ timeout: 30000 }));
  check("documents: the answer cites the document", true);
  await owner.screenshot({ path: path.join(artifacts, "documents.png"), fullPage: true });
  await accessibility(owner, "documents");
});

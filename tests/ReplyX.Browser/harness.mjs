// What every browser check script shares: its settings from the environment, one JSON line per check, steps that
// report what failed, axe-core, and Debian's headless Chromium. The scripts are started by
// tests/ReplyX.Cluster.Tests (BrowserTests) and exit non-zero when any check failed.
import { createRequire } from "node:module";
import fs from "node:fs";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export const artifacts = env("ARTIFACTS");
fs.mkdirSync(artifacts, { recursive: true });
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let failed = 0;

export function check(name, ok, detail) {
  if (!ok) failed++;
  console.log(JSON.stringify({ check: name, ok: Boolean(ok), detail: detail ?? null }));
}

export async function step(name, action) {
  try {
    await action();
  } catch (error) {
    check(name, false, String(error?.message ?? error).split("\n")[0]);
    throw error;
  }
}

/** Serious and critical axe-core violations of the page (open shadow roots included). */
export async function accessibility(page, name) {
  // Evaluated, not added as a script tag: the app's Content-Security-Policy refuses inline scripts.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
      summary: v.nodes[0]?.failureSummary }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(`${name}: no serious accessibility violation (axe-core)`, serious.length === 0, serious.length ? serious : result);
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run"],
  });
}

/**
 * Runs the checks with a browser, counts an exception as a failure (after `onError`, e.g. screenshots), closes
 * the browser and exits: 0 when every check passed.
 */
export async function run(checks, onError = async () => {}) {
  const browser = await launch();
  try {
    await checks(browser);
  } catch (error) {
    console.error(String(error?.stack ?? error));
    failed++;
    await onError(browser);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ failed }));
  process.exit(failed === 0 ? 0 : 1);
}

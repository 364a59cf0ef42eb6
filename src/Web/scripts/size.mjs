// Prints the built front end's sizes (raw and gzipped) from wwwroot/: the desk (index.html and
// everything under assets/) and the widget (widget.js, which must stay under 30 KB gzipped).
// Run `npm run build` first.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../wwwroot/", import.meta.url));
const widgetBudget = 30 * 1024;

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** @param {number} bytes */
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

let all;
try {
  all = files(root);
} catch {
  console.error("wwwroot/ is missing: run `npm run build` first.");
  process.exit(1);
}

const rows = all.map((path) => {
  const data = readFileSync(path);
  return { name: relative(root, path).replaceAll("\\", "/"), raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
});
const width = Math.max(...rows.map((r) => r.name.length));
for (const row of rows.sort((a, b) => a.name.localeCompare(b.name))) {
  console.log(`${row.name.padEnd(width)}  ${kb(row.raw).padStart(10)}  ${kb(row.gzip).padStart(10)} gzip`);
}
/** @param {{ raw: number, gzip: number }[]} list */
const sum = (list) => list.reduce((acc, r) => ({ raw: acc.raw + r.raw, gzip: acc.gzip + r.gzip }), { raw: 0, gzip: 0 });
const app = sum(rows.filter((r) => r.name !== "widget.js"));
const widget = sum(rows.filter((r) => r.name === "widget.js"));
console.log("");
console.log(`desk (index.html + assets/): ${kb(app.raw)}, ${kb(app.gzip)} gzipped`);
console.log(`widget (widget.js):          ${kb(widget.raw)}, ${kb(widget.gzip)} gzipped (budget ${kb(widgetBudget)})`);
if (widget.gzip > widgetBudget) {
  console.error("widget.js is over its budget");
  process.exit(1);
}

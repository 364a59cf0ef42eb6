// Checks the web app's translations (npm run i18n; one test of the suite): Russian and English have the same keys,
// no text is empty, each pair names the same {{placeholders}}, and every key the code asks for with a literal
// (t("a.b"), i18nKey="a.b") exists. The locale files are TypeScript: they are transpiled with the project's own
// compiler into a temporary folder and imported from there.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const root = new URL("../app/src/", import.meta.url).pathname;
const locales = join(root, "locales");

async function loadLocales() {
  const out = mkdtempSync(join(tmpdir(), "replyx-i18n-"));
  try {
    for (const file of readdirSync(locales).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(locales, file), "utf8");
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
        .replace(/from\s+["'](\.\/[^"']+?)(\.ts)?["']/g, (_, path) => `from "${path}.mjs"`);
      writeFileSync(join(out, file.replace(/\.ts$/, ".mjs")), js);
    }
    const { en } = await import(pathToFileURL(join(out, "en.mjs")).href);
    const { ru } = await import(pathToFileURL(join(out, "ru.mjs")).href);
    return { en, ru };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function leaves(object, prefix = "", into = new Map()) {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object") leaves(value, path, into);
    else into.set(path, value);
  }
  return into;
}

const placeholders = (text) => [...String(text).matchAll(/{{\s*([\w.]+)\s*}}/g)].map((m) => m[1]).sort().join(",");

function sources(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "locales") sources(path, found);
    } else if (/\.(ts|tsx)$/.test(name)) found.push(path);
  }
  return found;
}

const { en, ru } = await loadLocales();
const english = leaves(en);
const russian = leaves(ru);
const problems = [];
for (const [key, text] of english) {
  if (!russian.has(key)) problems.push(`ru lacks ${key}`);
  if (typeof text !== "string" || text.trim() === "") problems.push(`en ${key} is empty`);
}
for (const [key, text] of russian) {
  if (!english.has(key)) problems.push(`en lacks ${key} (ru has it)`);
  else if (placeholders(text) !== placeholders(english.get(key))) {
    problems.push(`${key}: placeholders differ (en {{${placeholders(english.get(key))}}}, ru {{${placeholders(text)}}})`);
  }
  if (typeof text !== "string" || text.trim() === "") problems.push(`ru ${key} is empty`);
}
const used = /(?:\bt\(\s*|i18nKey=\{?\s*)["'`]([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)["'`]/g;
let literals = 0;
for (const file of sources(root)) {
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(used)) {
    literals++;
    const key = match[1];
    const plural = ["_one", "_other"].some((suffix) => english.has(key + suffix));
    if (!english.has(key) && !plural) problems.push(`${relative(root, file)} asks for ${key}, which en does not have`);
  }
}
if (literals === 0) problems.push("no t(\"…\") call found in the sources: the scan is broken");
if (problems.length > 0) {
  console.error(`${problems.length} translation problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`translations: ${english.size} keys in Russian and English, ${literals} literal uses in the code, all present`);

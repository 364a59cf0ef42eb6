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

/**
 * Every pair of English and Russian texts: en.ts's `en` with ru.ts's `ru`, and each export `xEn` of a file
 * `name.en.ts` with the export `xRu` of `name.ru.ts` (namespaces of their own, such as the admin pages').
 * @returns {Promise<{ name: string, en: Record<string, unknown>, ru: Record<string, unknown> }[]>}
 */
async function loadLocales() {
  const out = mkdtempSync(join(tmpdir(), "replyx-i18n-"));
  try {
    const files = readdirSync(locales).filter((f) => f.endsWith(".ts"));
    for (const file of files) {
      const source = readFileSync(join(locales, file), "utf8");
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
        .replace(/from\s+["'](\.\/[^"']+?)(\.ts)?["']/g, (_, path) => `from "${path}.mjs"`);
      writeFileSync(join(out, file.replace(/\.ts$/, ".mjs")), js);
    }
    /** @param {string} file */
    const load = (file) => import(pathToFileURL(join(out, file.replace(/\.ts$/, ".mjs"))).href);
    const pairs = [{ name: "translation", en: (await load("en.ts")).en, ru: (await load("ru.ts")).ru }];
    for (const file of files.filter((f) => f.endsWith(".en.ts"))) {
      const english = await load(file);
      const russian = await load(file.replace(/\.en\.ts$/, ".ru.ts"));
      for (const [name, value] of Object.entries(english)) {
        const other = name.replace(/En$/, "Ru");
        if (!(other in russian)) throw new Error(`${file} exports ${name}, but its Russian file has no ${other}`);
        pairs.push({ name, en: value, ru: russian[other] });
      }
    }
    return pairs;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** @param {Record<string, unknown>} object @param {string} prefix @param {Map<string, unknown>} into @returns {Map<string, unknown>} */
function leaves(object, prefix = "", into = new Map()) {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object") leaves(/** @type {Record<string, unknown>} */ (value), path, into);
    else into.set(path, value);
  }
  return into;
}

/** @param {unknown} text */
const placeholders = (text) => [...String(text).matchAll(/{{\s*([\w.]+)\s*}}/g)].map((m) => m[1]).sort().join(",");

/** @param {string} dir @param {string[]} found @returns {string[]} */
function sources(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "locales") sources(path, found);
    } else if (/\.(ts|tsx)$/.test(name)) found.push(path);
  }
  return found;
}

const problems = [];
/** Every English key of every namespace: a literal in the code must be one of them. */
const english = new Map();
for (const pair of await loadLocales()) {
  const en = leaves(pair.en);
  const ru = leaves(pair.ru);
  for (const [key, text] of en) {
    english.set(key, text);
    if (!ru.has(key)) problems.push(`ru lacks ${key} (${pair.name})`);
    if (typeof text !== "string" || text.trim() === "") problems.push(`en ${key} is empty (${pair.name})`);
  }
  for (const [key, text] of ru) {
    if (!en.has(key)) problems.push(`en lacks ${key} (${pair.name}; ru has it)`);
    else if (placeholders(text) !== placeholders(en.get(key))) {
      problems.push(`${key}: placeholders differ (en {{${placeholders(en.get(key))}}}, ru {{${placeholders(text)}}})`);
    }
    if (typeof text !== "string" || text.trim() === "") problems.push(`ru ${key} is empty (${pair.name})`);
  }
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

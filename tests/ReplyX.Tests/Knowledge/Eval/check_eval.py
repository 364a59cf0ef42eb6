#!/usr/bin/env python3
"""Checks the knowledge retrieval evaluation set: run `python3 check_eval.py` from this folder or anywhere."""
import collections, json, pathlib, re, sys

HERE = pathlib.Path(__file__).resolve().parent
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((HERE / "docs").glob("*.md"))}
QUESTIONS = json.loads((HERE / "questions.json").read_text(encoding="utf-8"))
KINDS = {"direct", "paraphrase", "followup", "noanswer"}
FORBIDDEN = ["|", "#", "*", "`", "\n"]
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

errors = []

for name, text in DOCS.items():
    words = len(WORD.findall(text))
    checks = {
        "1,200-2,500 words": 1200 <= words <= 2500,
        "# heading": re.search(r"^# ", text, re.M),
        "## heading": re.search(r"^## ", text, re.M),
        "### heading": re.search(r"^### ", text, re.M),
        "bullet list": re.search(r"^- ", text, re.M),
        "table": re.search(r"^\|.*\|\s*$\n^\|[-| :]+\|\s*$", text, re.M),
    }
    failed = [k for k, ok in checks.items() if not ok]
    print(f"doc {name}: {words} words" + (f"  FAILED: {', '.join(failed)}" if failed else ""))
    errors += [f"{name}: {k}" for k in failed]

ids = collections.Counter(q["id"] for q in QUESTIONS)
errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]

for q in QUESTIONS:
    qid, kind, answers, history = q["id"], q["kind"], q["answers"], q.get("history", [])
    if q["lang"] not in ("ru", "en") or not qid.startswith(q["lang"] + "-"):
        errors.append(f"{qid}: bad lang {q['lang']}")
    if kind not in KINDS:
        errors.append(f"{qid}: bad kind {kind}")
    if kind == "followup" and not (history and len(history) % 2 == 0):
        errors.append(f"{qid}: a followup needs customer/assistant pairs in history")
    if kind != "followup" and history:
        errors.append(f"{qid}: history on a {kind} question")
    if (kind == "noanswer") != (not answers):
        errors.append(f"{qid}: noanswer questions, and only they, have no answers")
    for a in answers:
        c, doc = a["contains"], a["doc"]
        if doc not in DOCS:
            errors.append(f"{qid}: unknown doc {doc}")
            continue
        if not 15 <= len(c) <= 80:
            errors.append(f"{qid}: contains is {len(c)} characters: {c!r}")
        if any(ch in c for ch in FORBIDDEN):
            errors.append(f"{qid}: contains has Markdown or a line break: {c!r}")
        total = sum(t.count(c) for t in DOCS.values())
        if DOCS[doc].count(c) != 1 or total != 1:
            errors.append(f"{qid}: {c!r} occurs {DOCS[doc].count(c)}x in {doc}, {total}x in all docs")

# Paraphrases should share no content word with the line (paragraph, list item or table row) that answers them.
STOP = set("""
a an the and or but if of to in on at by for with from as is are be was were it its this that these those
i me my we our us you your he she they them their what which who when where why how can could do does did
not no any some all there here would will should so than then too very just only up out about into over
и в во на с со к ко по за из от до у о об а но или ли же что как так это то там тут мне меня мой моя мы
нас наш вы вас ваш ваши вам он она они его её ее их им уже ещё еще бы не ни да нет для при есть был
будет можно нужно только если чтобы когда какой какая какие сколько кто где себе сам сама всё все всех
""".split())

def stems(text, lang):
    n = 5 if lang == "ru" else 4
    return {w.lower().replace("ё", "е")[:n] for w in WORD.findall(text)
            if w.lower() not in STOP and not w.isdigit() and len(w) > 2}

for q in QUESTIONS:
    if q["kind"] != "paraphrase":
        continue
    for a in q["answers"]:
        line = next(l for l in DOCS[a["doc"]].splitlines() if a["contains"] in l)
        shared = stems(q["question"], q["lang"]) & stems(line, q["lang"])
        if shared:
            errors.append(f"{q['id']}: paraphrase shares word stems with its answer: {sorted(shared)}")

counts = collections.Counter((q["lang"], q["kind"]) for q in QUESTIONS)
print(f"\n{len(QUESTIONS)} questions")
print(f"{'':6}" + "".join(f"{k:>12}" for k in sorted(KINDS)) + f"{'total':>8}")
for lang in ("ru", "en"):
    row = [counts[(lang, k)] for k in sorted(KINDS)]
    print(f"{lang:6}" + "".join(f"{n:>12}" for n in row) + f"{sum(row):>8}")
row = [sum(counts[(l, k)] for l in ("ru", "en")) for k in sorted(KINDS)]
print(f"{'all':6}" + "".join(f"{n:>12}" for n in row) + f"{sum(row):>8}")
n_answers = sum(len(q["answers"]) for q in QUESTIONS)
print(f"{n_answers} answer substrings checked against {len(DOCS)} docs")

if errors:
    print("\nFAILED:")
    print("\n".join("  " + e for e in errors))
    sys.exit(1)
print("\nOK: every contains occurs exactly once across all docs, in the doc it names")

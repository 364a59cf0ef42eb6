// ReplyX dashboard shell: live platform status, in Russian or English.
const texts = {
  ru: {
    tagline: "Платформа поддержки клиентов с ИИ: ассистенты, Telegram-боты, виджет для сайта и операторы.",
    status: "Состояние платформы", component: "Компонент", state: "Состояние", details: "Подробности",
    updated: "Обновлено:", links: "Служебные адреса",
    Healthy: "Работает", Degraded: "С перебоями", Unhealthy: "Не работает", error: "Нет ответа от сервера",
  },
  en: {
    tagline: "AI customer-support platform: assistants, Telegram bots, a web-site widget and human operators.",
    status: "Platform status", component: "Component", state: "State", details: "Details",
    updated: "Updated:", links: "Operations endpoints",
    Healthy: "Healthy", Degraded: "Degraded", Unhealthy: "Unhealthy", error: "No answer from the server",
  },
};

let lang = localStorage.getItem("replyx.lang") || (navigator.language || "ru").slice(0, 2);
if (!texts[lang]) lang = "en";

function t(key) { return texts[lang][key] ?? key; }

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
}

async function refresh() {
  const overall = document.getElementById("overall");
  const body = document.getElementById("components");
  try {
    const response = await fetch("/health", { headers: { accept: "application/json" } });
    const report = await response.json();
    overall.dataset.status = report.status;
    overall.textContent = t(report.status);
    body.replaceChildren(...Object.entries(report.components).map(([name, c]) => {
      const row = document.createElement("tr");
      const cells = [name, t(c.status), c.description ?? ""];
      for (const [i, text] of cells.entries()) {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 1) td.dataset.status = c.status;
        row.append(td);
      }
      return row;
    }));
  } catch {
    overall.dataset.status = "error";
    overall.textContent = t("error");
  }
  document.getElementById("updated").textContent = new Date().toLocaleTimeString(lang);
}

for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    lang = b.dataset.lang;
    localStorage.setItem("replyx.lang", lang);
    applyLanguage();
    refresh();
  });
}

applyLanguage();
refresh();
setInterval(refresh, 5000);

// Russian and English. The choice is kept in localStorage ("replyx.lang", as the old status page did);
// without one, the browser's preferred languages decide, and English is the fallback.

import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./locales/en";
import { ru } from "./locales/ru";
import { adminEn } from "./locales/admin.en";
import { adminRu } from "./locales/admin.ru";
import { channelsEn } from "./locales/channels.en";
import { channelsRu } from "./locales/channels.ru";

export const languages = ["ru", "en"] as const;
export type Language = (typeof languages)[number];

const storageKey = "replyx.lang";

function isLanguage(value: string | null | undefined): value is Language {
  return value === "ru" || value === "en";
}

function storedLanguage(): Language | null {
  try {
    const value = localStorage.getItem(storageKey);
    return isLanguage(value) ? value : null;
  } catch {
    return null;
  }
}

export function detectLanguage(): Language {
  const stored = storedLanguage();
  if (stored) return stored;
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

export function setLanguage(language: Language): void {
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  void i18n.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : "en";
}

i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en, admin: adminEn, channels: channelsEn }, ru: { translation: ru, admin: adminRu, channels: channelsRu } },
  lng: detectLanguage(),
  fallbackLng: "en",
  supportedLngs: languages,
  interpolation: { escapeValue: false }, // React escapes.
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export default i18n;

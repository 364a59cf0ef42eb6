// Typed t() for a namespace of its own. Declaring every text to i18next's types makes each t() call's key a union
// of all of them, and past some 700 keys TypeScript gives up ("type instantiation is excessively deep"); so the
// bigger areas (the admin pages, the assistant editor and channels) keep their texts in namespaces of their own,
// checked by these plain key types instead. npm run i18n checks every namespace against the code.

import { useTranslation } from "react-i18next";
import type { Translation } from "./locales/en";

/** Every text of a locale object as a dotted key ("adminUsers.title"). */
export type Paths<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Paths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** A key of the main namespace ("translation"). */
export type MainKey = Paths<Translation>;

export type NamespaceT<Key extends string> = (key: Key, values?: Record<string, string | number>) => string;

/**
 * t() that reads `namespace` first and the main namespace after it, so a page of that area uses its own texts and
 * the shared ones ("app.retry") alike; re-renders on a language change.
 */
export function useNamespaceT<Key extends string>(namespace: string): { t: NamespaceT<Key | MainKey>; language: string } {
  const { i18n } = useTranslation();
  const translate = i18n.t.bind(i18n) as unknown as (key: string, options: Record<string, unknown>) => string;
  return { t: (key, values) => translate(key, { ...values, ns: [namespace, "translation"] }), language: i18n.language };
}

// The admin pages' texts: their own i18next namespace ("admin", locales/admin.*.ts), checked by a key type of
// their own. Declaring the namespace to i18next's types instead would put its keys in every t() call's key
// union, and past some 700 keys TypeScript gives up on those ("type instantiation is excessively deep").

import { useTranslation } from "react-i18next";
import type { adminEn } from "../locales/admin.en";

type Paths<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Paths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every text of the admin namespace, as a dotted key ("adminUsers.title"). */
export type AdminKey = Paths<typeof adminEn>;

export type AdminT = (key: AdminKey, values?: Record<string, string | number>) => string;

/** t() for the admin pages, re-rendering on a language change. */
export function useAdminT(): { t: AdminT; language: string } {
  const { i18n } = useTranslation();
  const translate = i18n.t.bind(i18n) as unknown as (key: string, options: Record<string, unknown>) => string;
  return { t: (key, values) => translate(key, { ...values, ns: "admin" }), language: i18n.language };
}

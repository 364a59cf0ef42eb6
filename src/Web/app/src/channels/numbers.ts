import { currentLanguage } from "../i18n";

/** A whole number in the app's language ("1,520" / "1 520"), not the browser's. */
export function formatCount(value: number): string {
  return new Intl.NumberFormat(currentLanguage()).format(value);
}

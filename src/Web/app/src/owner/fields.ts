import type { TFunction } from "i18next";
import { passwordMaxLength, passwordMinLength } from "../api/account";

/**
 * The server's password rules as one sentence, for a password input's description (shown before the user types
 * and read with the field; the server checks them again).
 */
export function passwordRules(t: TFunction, withEmail = false): string {
  const rules = [t("signup.ruleLength", { min: passwordMinLength, max: passwordMaxLength }), t("signup.ruleCommon")];
  if (withEmail) rules.push(t("signup.ruleEmail"));
  return `${rules.join(". ")}.`;
}

/** Field errors of a problem, joined for an input's `error` (undefined when there are none). */
export function joined(messages: readonly string[]): string | undefined {
  return messages.length > 0 ? messages.join(" ") : undefined;
}

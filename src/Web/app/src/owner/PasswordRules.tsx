import { List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { passwordMaxLength, passwordMinLength } from "../api/account";

/** The server's password rules, shown before the user types (the server checks them again). */
export function PasswordRules({ id, withEmail = false }: { id: string; withEmail?: boolean }) {
  const { t } = useTranslation();
  return (
    <div id={id} data-testid="password-rules">
      <Text size="xs" fw={600}>
        {t("signup.rulesTitle")}
      </Text>
      <List size="xs" spacing={2}>
        <List.Item>{t("signup.ruleLength", { min: passwordMinLength, max: passwordMaxLength })}</List.Item>
        <List.Item>{t("signup.ruleCommon")}</List.Item>
        {withEmail ? <List.Item>{t("signup.ruleEmail")}</List.Item> : null}
      </List>
    </div>
  );
}

/** Field errors of a problem, joined for an input's `error` (undefined when there are none). */
export function joined(messages: readonly string[]): string | undefined {
  return messages.length > 0 ? messages.join(" ") : undefined;
}

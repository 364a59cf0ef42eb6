import { Button, Code, CopyButton, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The account's referral code and how it pays off. */
export function ReferralCode({ code }: { code: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Text size="sm">{t("referral.text")}</Text>
      <Group gap="sm" wrap="wrap">
        <Code className="rx-break" data-testid="referral-code">
          {code}
        </Code>
        <CopyButton value={code}>
          {({ copied, copy }) => (
            <>
              <Button size="xs" variant="light" color={copied ? "green" : "blue"} onClick={copy} data-testid="referral-copy">
                {copied ? t("referral.copied") : t("referral.copy")}
              </Button>
              {/* Said by screen readers, which do not notice the button's text change. */}
              <span role="status" className="rx-visually-hidden">
                {copied ? t("referral.copied") : ""}
              </span>
            </>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

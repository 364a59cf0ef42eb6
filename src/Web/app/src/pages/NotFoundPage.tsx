import { Button, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "../router";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Stack align="center" gap="sm" p="xl" ta="center">
      <Title order={1} size="h2">
        {t("notFound.title")}
      </Title>
      <Text c="dimmed">{t("notFound.text")}</Text>
      <Button component={Link} href="/" variant="light">
        {t("notFound.home")}
      </Button>
    </Stack>
  );
}

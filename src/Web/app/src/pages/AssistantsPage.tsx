import { Anchor, Badge, Button, Group, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { CreateAssistant } from "../channels/CreateAssistant";
import { useChannelsT } from "../channels/i18n";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatDateTime } from "../format";
import { assistantsOptions } from "../knowledge/queries";
import { Link, assistantPath, documentsPath } from "../router";

/** The account's assistants, each with the way to its knowledge base (owners). */
export function AssistantsPage() {
  const { t } = useChannelsT();
  const assistants = useQuery(assistantsOptions);
  const list = [...(assistants.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Stack gap="lg" className="rx-page" data-testid="assistants-page">
      <div>
        <Title order={1} size="h2">
          {t("assistants.title")}
        </Title>
        <Text c="dimmed">{t("assistants.tagline")}</Text>
      </div>
      {assistants.data ? <CreateAssistant first={list.length === 0} /> : null}
      {assistants.isPending ? (
        <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")} data-testid="assistants-loading">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} height={72} radius="md" />
          ))}
        </Stack>
      ) : assistants.isError && !assistants.data ? (
        <ProblemAlert error={assistants.error} heading={t("assistants.loadFailed")} testId="assistants-error">
          <Group mt={4}>
            <Button size="xs" variant="light" color="red" onClick={() => void assistants.refetch()}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      ) : list.length === 0 ? (
        <Paper withBorder radius="md" className="rx-empty" data-testid="assistants-empty">
          <Text fw={600}>{t("assistants.emptyTitle")}</Text>
          <Text size="sm" c="dimmed" maw={520}>
            {t("assistants.empty")}
          </Text>
        </Paper>
      ) : (
        <ul className="rx-card-list" aria-label={t("assistants.title")} data-testid="assistant-list">
          {list.map((assistant) => (
            <li key={assistant.id}>
              <Paper withBorder radius="md" p="md" data-testid="assistant-item" data-assistant-id={assistant.id}>
                <Group justify="space-between" gap="sm" wrap="wrap">
                  <div className="rx-min0">
                    <Anchor component={Link} href={assistantPath(assistant.id)} fw={600} className="rx-break" data-testid="assistant-edit-link">
                      {assistant.name}
                    </Anchor>
                    <Group gap={6} mt={4} wrap="wrap">
                      <Badge variant="light" color="gray" size="sm">
                        {assistant.language === "ru" || assistant.language === "en" ? t(`documents.languages.${assistant.language}`) : assistant.language}
                      </Badge>
                      <Text size="xs" c="dimmed" className="rx-break">
                        {assistant.model} · {t("assistants.updated")} <time dateTime={assistant.updatedAt}>{formatDateTime(assistant.updatedAt)}</time>
                      </Text>
                    </Group>
                  </div>
                  <Group gap="xs">
                    <Button component={Link} href={assistantPath(assistant.id)} variant="default" size="sm" data-testid="assistant-settings">
                      {t("assistantEdit.edit")}
                      <span className="rx-visually-hidden">: {assistant.name}</span>
                    </Button>
                    <Button component={Link} href={documentsPath(assistant.id)} variant="light" size="sm" data-testid="assistant-documents">
                      {t("assistants.documents")}
                      <span className="rx-visually-hidden">: {assistant.name}</span>
                    </Button>
                  </Group>
                </Group>
              </Paper>
            </li>
          ))}
        </ul>
      )}
    </Stack>
  );
}

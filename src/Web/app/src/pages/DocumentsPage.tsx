import { Anchor, Breadcrumbs, Button, Group, Paper, Skeleton, Stack, Text, Title, Tooltip } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { useChannelsT } from "../channels/i18n";
import { ApiError, errorText } from "../api/errors";
import { defaultMaxUploadBytes } from "../api/knowledge";
import { ProblemAlert } from "../components/ProblemAlert";
import type { FeedState } from "../desk/useAccountFeed";
import { DocumentTable } from "../knowledge/DocumentTable";
import { formatBytes } from "../knowledge/labels";
import { assistantOptions, documentsOptions, fallbackPollMs, sortDocuments } from "../knowledge/queries";
import { RetrievalTest } from "../knowledge/RetrievalTest";
import { TestChat } from "../knowledge/TestChat";
import { UploadZone } from "../knowledge/UploadZone";
import { useDocumentFeed } from "../knowledge/useDocumentFeed";
import { useUploads } from "../knowledge/useUploads";
import { notify } from "../notify";
import { Link, assistantPath } from "../router";

/** Live through the account feed, or polled (while anything processes) when it is down. */
function LiveState({ feed }: { feed: FeedState }) {
  const { t } = useChannelsT();
  const open = feed.state === "open";
  const label =
    feed.state === "open" || feed.state === "connecting"
      ? t(`desk.feed.${feed.state}`)
      : t("documents.polling", { seconds: fallbackPollMs / 1000 });
  return (
    <Tooltip label={feed.error ? `${t(`desk.feed.${feed.state}`)}: ${feed.error.title}` : t(`desk.feed.${feed.state}`)}>
      <span className="rx-feed" data-state={feed.state} role="status" data-testid="documents-feed-state">
        <span className="rx-feed-dot" data-color={open ? "green" : feed.state === "failed" ? "red" : "yellow"} aria-hidden="true" />
        <Text span size="xs" c="dimmed">
          {label}
        </Text>
      </span>
    </Tooltip>
  );
}

function Section({ id, title, text, children, testId }: { id: string; title: string; text: string; children: ReactNode; testId: string }) {
  return (
    <Paper component="section" withBorder radius="md" p="md" aria-labelledby={id} data-testid={testId}>
      <Stack gap="md">
        <div>
          <Title order={2} size="h4" id={id}>
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {text}
          </Text>
        </div>
        {children}
      </Stack>
    </Paper>
  );
}

export function DocumentsPage({ assistantId }: { assistantId: string }) {
  const { t } = useChannelsT();
  const assistant = useQuery(assistantOptions(assistantId));
  const feed = useDocumentFeed(assistantId);
  const documents = useQuery(documentsOptions(assistantId, feed.state === "open"));
  const uploads = useUploads(assistantId, (document, replaced) => {
    notify({
      color: "blue",
      title: t(replaced ? "documents.upload.replaced" : "documents.upload.done"),
      message: document.fileName,
      autoClose: 4_000,
    });
  });

  // A link to a part of the page (the assistant editor's "Test chat": #chat-heading) scrolls to it once the
  // list above it has its height (documents read), once per visit.
  const scrolled = useRef(false);
  const listPending = documents.isPending;
  useEffect(() => {
    const target = window.location.hash.slice(1);
    if (scrolled.current || !target || listPending) return;
    scrolled.current = true;
    document.getElementById(target)?.scrollIntoView({ block: "start" });
  }, [listPending]);

  const notFound = [assistant.error, documents.error].some((e) => e instanceof ApiError && e.status === 404);
  const name = assistant.data?.name ?? "";

  const header = (
    <Stack gap={4}>
      <nav aria-label={t("documents.breadcrumbs")}>
        <Breadcrumbs separator="/" separatorMargin={6}>
          <Anchor component={Link} href="/assistants" size="sm">
            {t("assistants.title")}
          </Anchor>
          <Anchor component={Link} href={assistantPath(assistantId)} size="sm" className="rx-break" data-testid="documents-assistant-link">
            {name || t("documents.assistant")}
          </Anchor>
          <Text size="sm" aria-current="page">
            {t("documents.title")}
          </Text>
        </Breadcrumbs>
      </nav>
      <Group justify="space-between" align="flex-end" gap="xs" wrap="wrap">
        <div className="rx-min0">
          <Title order={1} size="h2">
            {t("documents.title")}
          </Title>
          {name ? (
            <Text c="dimmed" className="rx-break" data-testid="documents-assistant">
              {name}
            </Text>
          ) : null}
        </div>
        {notFound ? null : (
          <Group gap="sm">
            <LiveState feed={feed} />
            <Button component={Link} href={assistantPath(assistantId)} variant="default" size="xs" data-testid="documents-settings-link">
              {t("assistantEdit.edit")}
            </Button>
          </Group>
        )}
      </Group>
    </Stack>
  );

  if (notFound) {
    return (
      <Stack gap="lg" className="rx-page" data-testid="documents-page">
        {header}
        <ProblemAlert error={assistant.error ?? documents.error} heading={t("documents.notFound")} testId="documents-not-found">
          <Group mt={4}>
            <Button component={Link} href="/assistants" size="xs" variant="light" color="red">
              {t("documents.backToAssistants")}
            </Button>
          </Group>
        </ProblemAlert>
      </Stack>
    );
  }

  const list = documents.data ? sortDocuments(documents.data) : [];
  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="documents-page">
      {header}
      <Section id="documents-heading" title={t("documents.section")} text={t("documents.sectionText")} testId="documents-section">
        <UploadZone uploads={uploads} />
        {documents.isPending ? (
          <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")} data-testid="documents-loading">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} height={48} radius="sm" />
            ))}
          </Stack>
        ) : !documents.data ? (
          <ProblemAlert error={documents.error} heading={t("documents.loadFailed")} testId="documents-error">
            <Group mt={4}>
              <Button size="xs" variant="light" color="red" onClick={() => void documents.refetch()}>
                {t("app.retry")}
              </Button>
            </Group>
          </ProblemAlert>
        ) : list.length === 0 ? (
          <div className="rx-empty rx-doc-empty" data-testid="documents-empty">
            <Text fw={600}>{t("documents.emptyTitle")}</Text>
            <Text size="sm" c="dimmed" maw={560}>
              {t("documents.empty", { limit: formatBytes(defaultMaxUploadBytes) })}
            </Text>
            <Text size="sm" c="dimmed" maw={560}>
              {t("documents.emptyExamples")}
            </Text>
          </div>
        ) : (
          <DocumentTable documents={list} uploads={uploads} labelledBy="documents-heading" />
        )}
        {documents.isError && documents.data ? (
          <Text size="sm" c="red" role="alert">
            {t("documents.refreshFailed")}: {errorText(documents.error)}
          </Text>
        ) : null}
      </Section>
      <Section id="retrieval-heading" title={t("retrieval.title")} text={t("retrieval.text")} testId="retrieval-section">
        <RetrievalTest assistantId={assistantId} />
      </Section>
      <Section id="chat-heading" title={t("chat.title")} text={t("chat.text")} testId="chat-section">
        <TestChat assistantId={assistantId} />
      </Section>
    </Stack>
  );
}

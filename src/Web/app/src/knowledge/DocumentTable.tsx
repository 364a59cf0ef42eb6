import { Button, FileButton, Group, Modal, Progress, Stack, Switch, Table, Text, VisuallyHidden } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../api/errors";
import { deleteDocument, documentAccept, setDocumentEnabled } from "../api/knowledge";
import type { KnowledgeDocument } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatDateTime } from "../format";
import { notify } from "../notify";
import { DocumentStatusBadge, formatBytes, formatPercent, useFormatLabel } from "./labels";
import { knowledgeKeys, patchDocument, removeDocument, storeDocument } from "./queries";
import type { Uploads } from "./useUploads";

interface RowProps {
  document: KnowledgeDocument;
  replacing: boolean;
  onReplace: (file: File) => void;
  onDelete: () => void;
}

function StatusCell({ document }: { document: KnowledgeDocument }) {
  const { t } = useTranslation();
  const processing = document.status === "processing";
  const counted = document.chunksTotal > 0;
  const fraction = counted ? document.chunksDone / document.chunksTotal : 0;
  return (
    <Stack gap={4} className="rx-doc-status">
      {/* Heard when it changes: the file, its status and (while processing) the share done in quarter steps. */}
      <div aria-live="polite" aria-atomic="true">
        <VisuallyHidden>{document.fileName}: </VisuallyHidden>
        <DocumentStatusBadge status={document.status} />
        {processing && counted ? <VisuallyHidden>, {formatPercent(Math.floor(fraction * 4) / 4)}</VisuallyHidden> : null}
      </div>
      {processing ? (
        <>
          <Progress
            size="sm"
            value={counted ? Math.round(fraction * 100) : 100}
            striped={!counted}
            animated={!counted}
            aria-label={t("documents.progressLabel", { name: document.fileName })}
            data-testid="document-progress"
          />
          <Text size="xs" c="dimmed" data-testid="document-chunks">
            {counted ? t("documents.chunks", { done: document.chunksDone, total: document.chunksTotal }) : t("documents.reading")}
          </Text>
          {document.searchable && document.version > 1 ? (
            <Text size="xs" c="dimmed">
              {t("documents.previousAnswers")}
            </Text>
          ) : null}
        </>
      ) : null}
      {document.status === "ready" ? (
        <Text size="xs" c="dimmed">
          {t("documents.chunksReady", { total: document.chunksTotal })}
        </Text>
      ) : null}
      {document.status === "failed" ? (
        <Text size="xs" c="red" className="rx-break" data-testid="document-error">
          {document.error ?? t("documents.failedNoReason")}
        </Text>
      ) : null}
    </Stack>
  );
}

function DocumentRow({ document, replacing, onReplace, onDelete }: RowProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const formatLabel = useFormatLabel();
  const resetPicker = useRef<() => void>(null);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => setDocumentEnabled(document.id, enabled),
    onMutate: (enabled) => {
      const before = document.enabled;
      patchDocument(client, document.assistantId, document.id, { enabled, searchable: enabled && document.searchable });
      return { before };
    },
    onSuccess: (saved) => storeDocument(client, saved),
    onError: (error, _enabled, context) => {
      if (context) patchDocument(client, document.assistantId, document.id, { enabled: context.before });
      void client.invalidateQueries({ queryKey: knowledgeKeys.documents(document.assistantId) });
      notify({ color: "red", title: t("documents.toggleFailed", { name: document.fileName }), message: errorText(error) });
    },
  });
  const label = (key: "name" | "format" | "size" | "language" | "status" | "enabled" | "actions") => t(`documents.columns.${key}`);
  return (
    <Table.Tr id={`document-${document.id}`} data-testid="document-row" data-document-id={document.id} data-status={document.status}>
      <Table.Td data-label={label("name")}>
        <Text size="sm" fw={600} className="rx-break" data-testid="document-name">
          {document.fileName}
        </Text>
        <Text size="xs" c="dimmed">
          {t("documents.version", { version: document.version })}
          {document.pages > 0 ? ` · ${t("documents.pages", { pages: document.pages })}` : ""}
          {" · "}
          <time dateTime={document.updatedAt}>{formatDateTime(document.updatedAt)}</time>
        </Text>
        {!document.enabled ? (
          <Text size="xs" c="orange" fw={600}>
            {t("documents.notUsed")}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td data-label={label("format")}>
        <Text size="sm">{formatLabel(document.format)}</Text>
      </Table.Td>
      <Table.Td data-label={label("size")} className="rx-nowrap">
        <Text size="sm">{formatBytes(document.sizeBytes)}</Text>
      </Table.Td>
      <Table.Td data-label={label("language")}>
        {document.language ? (
          <Text size="sm">{t(`documents.languages.${document.language}`)}</Text>
        ) : (
          <Text size="sm" c="dimmed">
            <span aria-hidden="true">—</span>
            <VisuallyHidden>{t("documents.languageUnknown")}</VisuallyHidden>
          </Text>
        )}
      </Table.Td>
      <Table.Td data-label={label("status")}>
        <StatusCell document={document} />
      </Table.Td>
      <Table.Td data-label={label("enabled")}>
        <Switch
          checked={document.enabled}
          onChange={(event) => toggle.mutate(event.currentTarget.checked)}
          disabled={toggle.isPending}
          aria-label={t("documents.enabledLabel", { name: document.fileName })}
          data-testid="document-enabled"
        />
      </Table.Td>
      <Table.Td data-label={label("actions")}>
        <Group gap={6} wrap="nowrap" justify="flex-end" className="rx-doc-actions">
          <FileButton
            accept={documentAccept}
            resetRef={resetPicker}
            onChange={(file) => {
              if (file) onReplace(file);
              resetPicker.current?.();
            }}
          >
            {(props) => (
              <Button {...props} size="xs" variant="default" loading={replacing} data-testid="document-replace">
                {t("documents.replace")}
                <VisuallyHidden> {document.fileName}</VisuallyHidden>
              </Button>
            )}
          </FileButton>
          <Button size="xs" variant="subtle" color="red" onClick={onDelete} data-testid="document-delete">
            {t("documents.delete")}
            <VisuallyHidden> {document.fileName}</VisuallyHidden>
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function DeleteModal({ document, onClose }: { document: KnowledgeDocument | null; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: (target: KnowledgeDocument) => deleteDocument(target.id),
    onSuccess: (_result, target) => {
      removeDocument(client, target.assistantId, target.id);
      void client.invalidateQueries({ queryKey: knowledgeKeys.documents(target.assistantId) });
      notify({ color: "green", title: t("documents.deleted"), message: target.fileName, autoClose: 4_000 });
      onClose();
    },
  });
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    // No scroll lock: it works by injecting a <style> tag, which the CSP refuses.
    <Modal
      opened={document !== null}
      onClose={close}
      title={t("documents.deleteTitle")}
      centered
      lockScroll={false}
      closeButtonProps={{ "aria-label": t("app.close") }}
    >
      {document ? (
        <Stack>
          <Text size="sm">{t("documents.deleteText", { name: document.fileName })}</Text>
          {remove.isError ? <ProblemAlert error={remove.error} heading={t("documents.deleteFailed")} testId="document-delete-error" /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("app.cancel")}
            </Button>
            <Button color="red" onClick={() => remove.mutate(document)} loading={remove.isPending} data-testid="document-delete-confirm">
              {t("documents.delete")}
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}

interface TableProps {
  documents: KnowledgeDocument[];
  uploads: Uploads;
  /** The id of the heading that names the table. */
  labelledBy: string;
}

export function DocumentTable({ documents, uploads, labelledBy }: TableProps) {
  const { t } = useTranslation();
  const [deleting, setDeleting] = useState<KnowledgeDocument | null>(null);
  const replacing = new Set(uploads.uploads.filter((u) => u.documentId !== null && u.phase !== "failed").map((u) => u.documentId));
  return (
    <>
      <Table className="rx-doc-table" verticalSpacing="sm" highlightOnHover aria-labelledby={labelledBy} data-testid="document-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("documents.columns.name")}</Table.Th>
            <Table.Th scope="col">{t("documents.columns.format")}</Table.Th>
            <Table.Th scope="col">{t("documents.columns.size")}</Table.Th>
            <Table.Th scope="col">{t("documents.columns.language")}</Table.Th>
            <Table.Th scope="col">{t("documents.columns.status")}</Table.Th>
            <Table.Th scope="col">{t("documents.columns.enabled")}</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>{t("documents.columns.actions")}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {documents.map((document) => (
            <DocumentRow
              key={document.id}
              document={document}
              replacing={replacing.has(document.id)}
              onReplace={(file) => uploads.replace(document.id, file)}
              onDelete={() => setDeleting(document)}
            />
          ))}
        </Table.Tbody>
      </Table>
      <DeleteModal document={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}

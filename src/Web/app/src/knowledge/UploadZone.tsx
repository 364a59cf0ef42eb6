import { Button, CloseButton, FileButton, Group, Progress, Stack, Text, VisuallyHidden } from "@mantine/core";
import { useEffect, useRef, useState, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, NetworkError } from "../api/errors";
import { defaultMaxUploadBytes, documentAccept } from "../api/knowledge";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes, formatPercent } from "./labels";
import type { Upload, Uploads } from "./useUploads";

function UploadIcon() {
  return (
    <svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M12 16V4M7 9l5-5 5 5" />
      <path d="M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" />
    </svg>
  );
}

/** A hint of ours under the server's words: what to do about the usual refusals. */
function useUploadHint(): (error: unknown, upload: Upload) => string | null {
  const { t } = useTranslation();
  const limit = formatBytes(defaultMaxUploadBytes);
  return (error, upload) => {
    if (error instanceof NetworkError) return upload.sizeBytes > defaultMaxUploadBytes ? t("documents.upload.hintNetworkLarge", { limit }) : null;
    if (!(error instanceof ApiError)) return null;
    if (error.status === 413) return t("documents.upload.hintTooLarge", { limit });
    if (error.status === 415) return t("documents.upload.hintUnsupported");
    if (error.status === 422) return t("documents.upload.hintUnusable");
    return null;
  };
}

function UploadItem({ upload, uploads }: { upload: Upload; uploads: Uploads }) {
  const { t } = useTranslation();
  const hint = useUploadHint();
  const name = upload.documentId ? t("documents.upload.replacing", { name: upload.fileName }) : upload.fileName;
  if (upload.phase === "failed") {
    return (
      <li data-testid="upload-item" data-phase={upload.phase}>
        <ProblemAlert
          error={upload.error}
          heading={t(upload.documentId ? "documents.upload.replaceFailed" : "documents.upload.failed", { name: upload.fileName })}
          hint={hint(upload.error, upload)}
          onClose={() => uploads.dismiss(upload.key)}
          testId="upload-error"
        >
          <Group gap="xs" mt={4}>
            <Button size="xs" variant="light" color="red" onClick={() => uploads.retry(upload.key)}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      </li>
    );
  }
  const percent = formatPercent(upload.progress);
  const state =
    upload.phase === "queued"
      ? t("documents.upload.queued")
      : upload.phase === "checking"
        ? t("documents.upload.checking")
        : t("documents.upload.sending", { percent });
  return (
    <li className="rx-upload" data-testid="upload-item" data-phase={upload.phase}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <div className="rx-min0">
          <Text size="sm" fw={600} className="rx-break">
            {name}
          </Text>
          <Text size="xs" c="dimmed">
            {formatBytes(upload.sizeBytes)} · <span data-testid="upload-state">{state}</span>
          </Text>
        </div>
        <CloseButton
          size="sm"
          onClick={() => uploads.cancel(upload.key)}
          aria-label={t("documents.upload.cancel", { name: upload.fileName })}
          data-testid="upload-cancel"
        />
      </Group>
      <Progress
        mt={6}
        size="sm"
        value={upload.phase === "checking" ? 100 : Math.round(upload.progress * 100)}
        striped={upload.phase === "checking"}
        animated={upload.phase === "checking"}
        aria-label={t("documents.upload.progressLabel", { name: upload.fileName })}
      />
    </li>
  );
}

/** What a screen reader hears: each upload's state, in quarter steps while it is sent. */
function announcement(uploads: readonly Upload[], t: ReturnType<typeof useTranslation>["t"]): string {
  return uploads
    .filter((u) => u.phase === "sending" || u.phase === "checking")
    .map((u) =>
      u.phase === "checking"
        ? `${u.fileName}: ${t("documents.upload.checking")}`
        : `${u.fileName}: ${t("documents.upload.sending", { percent: formatPercent(Math.floor(u.progress * 4) / 4) })}`,
    )
    .join(". ");
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer.types).includes("Files");
}

export function UploadZone({ uploads }: { uploads: Uploads }) {
  const { t } = useTranslation();
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const resetPicker = useRef<() => void>(null);

  // A file dropped beside the zone would make the browser leave the page to show it.
  useEffect(() => {
    const keep = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", keep);
    window.addEventListener("drop", keep);
    return () => {
      window.removeEventListener("dragover", keep);
      window.removeEventListener("drop", keep);
    };
  }, []);

  const onDragEnter = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth.current += 1;
    setOver(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  };
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length > 0) uploads.add(files);
  };

  const live = announcement(uploads.uploads, t);
  return (
    <Stack gap="sm">
      <div
        className="rx-dropzone"
        data-over={over ? "true" : "false"}
        onDragEnter={onDragEnter}
        onDragLeave={onDragLeave}
        onDragOver={onDragOver}
        onDrop={onDrop}
        data-testid="upload-zone"
      >
        <span className="rx-dropzone-icon">
          <UploadIcon />
        </span>
        <Text fw={600}>{over ? t("documents.upload.dropNow") : t("documents.upload.drop")}</Text>
        <Text size="sm" c="dimmed">
          {t("documents.upload.accepts", { limit: formatBytes(defaultMaxUploadBytes) })}
        </Text>
        <FileButton
          multiple
          accept={documentAccept}
          resetRef={resetPicker}
          onChange={(files) => {
            if (files.length > 0) uploads.add(files);
            resetPicker.current?.();
          }}
        >
          {(props) => (
            <Button {...props} variant="light" mt={4} data-testid="upload-pick">
              {t("documents.upload.pick")}
            </Button>
          )}
        </FileButton>
      </div>
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true" data-testid="upload-live">
        {live}
      </VisuallyHidden>
      {uploads.uploads.length > 0 ? (
        <ul className="rx-uploads" aria-label={t("documents.upload.listLabel")} data-testid="upload-list">
          {uploads.uploads.map((upload) => (
            <UploadItem key={upload.key} upload={upload} uploads={uploads} />
          ))}
        </ul>
      ) : null}
    </Stack>
  );
}

import { Button, Menu } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useChannelsT } from "../channels/i18n";
import { errorText } from "../api/errors";
import type { AccountUser, User } from "../api/types";
import { currentLanguage } from "../i18n";
import { notify } from "../notify";
import { useAuthorLabel } from "./labels";
import { accountUsersOptions } from "./queries";
import { download, exportFileName, exportFormats, fetchWholeDialog, toCsv, toJson, toText, type ExportFormat } from "./transcriptExport";

function DownloadIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M12 3v12" />
      <path d="m7 10 5 5 5-5" />
      <path d="M5 21h14" />
    </svg>
  );
}

/** Downloads the open dialog, every message of it, as text, the API's JSON or CSV: `dialog-{id}.{ext}`. */
export function ExportMenu({ dialogId, user }: { dialogId: string; user: User }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const authorLabel = useAuthorLabel();
  const [pending, setPending] = useState<ExportFormat | null>(null);

  const run = async (format: ExportFormat) => {
    setPending(format);
    try {
      const detail = await fetchWholeDialog(dialogId);
      // Names where this user may know them (owners: GET /api/account/operators, already read by the desk).
      const people = client.getQueryData<AccountUser[] | null>(accountUsersOptions.queryKey) ?? [];
      const names = new Map(people.map((p) => [p.id, p.name]));
      names.set(user.id, user.name);
      const author = (who: typeof detail.messages[number]["author"], operatorId: string | null) => {
        const label = authorLabel(who, operatorId, "");
        const name = operatorId ? names.get(operatorId) : undefined;
        return who === "operator" && name ? `${label} (${name})` : label;
      };
      const time = new Intl.DateTimeFormat(currentLanguage(), { dateStyle: "short", timeStyle: "long" });
      const at = (value: string) => {
        const date = new Date(value);
        return Number.isNaN(date.getTime()) ? value : time.format(date);
      };
      const d = detail.dialog;
      const content =
        format === "json"
          ? toJson(detail)
          : format === "csv"
            ? toCsv(detail, {
                seq: t("transcript.columns.seq"), at: t("transcript.columns.at"), author: t("transcript.columns.author"),
                operatorId: t("transcript.columns.operatorId"), text: t("transcript.columns.text"),
              }, (m) => author(m.author, m.operatorId))
            : toText(detail, {
                heading: t("transcript.heading", { id: d.id }),
                fields: [
                  { label: t("transcript.channel"), value: t(`channel.${d.channel}`) },
                  { label: t("transcript.status"), value: t(`dialogStatus.${d.status}`) },
                  ...(d.origin ? [{ label: t("transcript.origin"), value: d.origin }] : []),
                  { label: t("transcript.created"), value: at(d.createdAt) },
                  { label: t("transcript.exported"), value: at(new Date().toISOString()) },
                ],
                messages: t("transcript.messages"),
                notes: t("transcript.notes"),
                author,
                noteAuthor: (note) => `${t("transcript.note")} · ${names.get(note.authorId) ?? t("author.operator")}`,
                time: at,
              });
      const fileName = exportFileName(d.id, format);
      download(fileName, format, content);
      notify({ color: "green", title: t("transcript.done", { file: fileName }), message: t(`transcript.${format}`), autoClose: 3_000 });
    } catch (error) {
      notify({ color: "red", title: t("transcript.failed"), message: errorText(error) });
    } finally {
      setPending(null);
    }
  };

  return (
    // In place rather than in a portal, so that the open menu stays inside the page's main landmark; no focus
    // trap (its extra focusable wrapper is not a menu item), arrow keys still move through the items.
    <Menu position="bottom-end" withinPortal={false} trapFocus={false}>
      <Menu.Target>
        <Button
          size="xs"
          variant="subtle"
          leftSection={<DownloadIcon />}
          loading={pending !== null}
          loaderProps={{ "aria-label": t("transcript.preparing") }}
          aria-label={pending ? t("transcript.preparing") : undefined}
          data-testid="export-transcript"
        >
          {t("transcript.export")}
        </Button>
      </Menu.Target>
      <Menu.Dropdown aria-label={t("transcript.exportLabel")}>
        <Menu.Label>{t("transcript.exportLabel")}</Menu.Label>
        {exportFormats.map((format) => (
          <Menu.Item key={format} onClick={() => void run(format)} data-testid={`export-${format}`}>
            {t(`transcript.${format}`)}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

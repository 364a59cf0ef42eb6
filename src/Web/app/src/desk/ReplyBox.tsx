import { Button, Group, Kbd, Text, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { addNote, sendMessage } from "../api/dialogs";
import { errorText } from "../api/errors";
import { uuid } from "../api/http";
import type { CannedResponse } from "../api/types";
import { cannedResponsesOptions, upsertMessage, upsertNote } from "./queries";
import { notify } from "../notify";

const maxLength = 4000;

interface Props {
  dialogId: string;
  me: string;
  /** A reply goes to the visitor; a note stays with the staff. */
  kind: "reply" | "note";
}

/** The canned responses matching "/query" typed at the start of an otherwise empty box. */
function matchCanned(text: string, items: CannedResponse[] | null | undefined): CannedResponse[] | null {
  if (!items || items.length === 0) return null;
  const typed = /^\/(\S*)$/.exec(text);
  if (!typed) return null;
  const query = (typed[1] ?? "").toLowerCase();
  return items
    .filter((item) => item.shortcut.toLowerCase().includes(query) || item.text.toLowerCase().includes(query))
    .slice(0, 8);
}

export function ReplyBox({ dialogId, me, kind }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const listId = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  // One key per text: sending the same text again after a failure cannot deliver it twice.
  const attempt = useRef<{ text: string; key: string } | null>(null);
  const canned = useQuery({ ...cannedResponsesOptions, enabled: kind === "reply" });

  const send = useMutation({
    mutationFn: async ({ body, key }: { body: string; key: string }) => {
      if (kind === "note") {
        upsertNote(client, dialogId, await addNote(dialogId, body));
        return;
      }
      const result = await sendMessage(dialogId, body, key);
      upsertMessage(client, dialogId, { seq: result.seq, at: new Date().toISOString(), author: "operator", text: body, operatorId: me }, true);
    },
    onSuccess: (_result, { body }) => {
      attempt.current = null;
      setText((current) => (current.trim() === body ? "" : current));
      input.current?.focus();
    },
    onError: (error) => {
      notify({ color: "red", title: kind === "note" ? t("dialog.noteFailed") : t("dialog.sendFailed"), message: errorText(error) });
    },
  });

  const matches = dismissed === text || kind === "note" ? null : matchCanned(text, canned.data);
  const open = matches !== null;

  const submit = () => {
    const body = text.trim();
    if (!body || send.isPending) return;
    if (attempt.current?.text !== body) attempt.current = { text: body, key: uuid() };
    send.mutate({ body, key: attempt.current.key });
  };

  const pick = (item: CannedResponse) => {
    setText(item.text);
    setActive(0);
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open && matches.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((i) => (i + step + matches.length) % matches.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        const item = matches[Math.min(active, matches.length - 1)];
        if (item) {
          event.preventDefault();
          pick(item);
          return;
        }
      }
    }
    if (open && event.key === "Escape") {
      event.preventDefault();
      setDismissed(text);
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const hasCanned = kind === "reply" && (canned.data?.length ?? 0) > 0;
  const activeId = open && matches.length > 0 ? `${listId}-${Math.min(active, matches.length - 1)}` : undefined;

  return (
    <form
      className="rx-reply-form"
      data-kind={kind}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      data-testid="reply-form"
    >
      {open ? (
        <div className="rx-canned" data-testid="canned-list">
          {matches.length === 0 ? (
            <Text size="sm" c="dimmed" p="xs">
              {t("dialog.cannedNone")}
            </Text>
          ) : (
            <ul id={listId} role="listbox" aria-label={t("dialog.canned")}>
              {matches.map((item, index) => (
                <li
                  key={item.id}
                  id={`${listId}-${index}`}
                  role="option"
                  aria-selected={index === Math.min(active, matches.length - 1)}
                  className="rx-canned-option"
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => pick(item)}
                  data-testid="canned-option"
                >
                  <Text span size="sm" fw={600}>
                    /{item.shortcut}
                  </Text>{" "}
                  <Text span size="sm" c="dimmed" lineClamp={1}>
                    {item.text}
                  </Text>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      <Textarea
        ref={input}
        label={kind === "note" ? t("dialog.noteLabel") : t("dialog.replyLabel")}
        placeholder={kind === "note" ? t("dialog.notePlaceholder") : hasCanned ? t("dialog.replyPlaceholderCanned") : t("dialog.replyPlaceholder")}
        autosize
        minRows={2}
        maxRows={8}
        maxLength={maxLength}
        value={text}
        onChange={(event) => {
          setText(event.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        role={hasCanned ? "combobox" : undefined}
        aria-expanded={hasCanned ? open : undefined}
        aria-controls={open ? listId : undefined}
        aria-autocomplete={hasCanned ? "list" : undefined}
        aria-activedescendant={activeId}
        data-testid="reply-input"
      />
      <Group justify="space-between" mt={6} wrap="nowrap">
        <Text size="xs" c="dimmed" className="rx-hide-phone">
          <Kbd size="xs">Enter</Kbd> {t("dialog.enterSends")} · <Kbd size="xs">Shift</Kbd>+<Kbd size="xs">Enter</Kbd> {t("dialog.newLine")}
        </Text>
        <Button type="submit" loading={send.isPending} disabled={!text.trim()} color={kind === "note" ? "yellow.8" : undefined} autoContrast data-testid="reply-send">
          {kind === "note" ? t("dialog.addNote") : t("dialog.send")}
        </Button>
      </Group>
    </form>
  );
}

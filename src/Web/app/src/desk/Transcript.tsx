import { Button, Group, Loader, Text } from "@mantine/core";
import { useLayoutEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { Message, Note } from "../api/types";
import { formatDateTime, formatTime } from "../format";
import { useAuthorLabel } from "./labels";

interface Props {
  messages: Message[];
  notes: Note[];
  me: string;
  partial: string | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
}

type Entry = { kind: "message"; message: Message } | { kind: "note"; note: Note };

/** Messages in seq order, each note before the first message written after it. */
function timeline(messages: Message[], notes: Note[]): Entry[] {
  const entries: Entry[] = [];
  let next = 0;
  for (const message of messages) {
    const at = Date.parse(message.at);
    while (next < notes.length && Date.parse(notes[next]?.at ?? "") <= at) {
      const note = notes[next];
      if (note) entries.push({ kind: "note", note });
      next += 1;
    }
    entries.push({ kind: "message", message });
  }
  for (const note of notes.slice(next)) entries.push({ kind: "note", note });
  return entries;
}

/** Within this many pixels of the bottom, new messages keep the view pinned to the bottom. */
const stickPx = 80;

export function Transcript({ messages, notes, me, partial, hasOlder, loadingOlder, onLoadOlder }: Props) {
  const { t } = useTranslation();
  const authorLabel = useAuthorLabel();
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const olderAnchor = useRef<{ height: number; top: number } | null>(null);
  const firstSeq = messages[0]?.seq;
  const lastSeq = messages[messages.length - 1]?.seq;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const anchor = olderAnchor.current;
    if (anchor) {
      // Older messages went in above: keep what the operator was reading where it was.
      element.scrollTop = anchor.top + (element.scrollHeight - anchor.height);
      olderAnchor.current = null;
    } else if (pinned.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [firstSeq, lastSeq, partial, notes.length]);

  const loadOlder = () => {
    const element = scroller.current;
    if (element) olderAnchor.current = { height: element.scrollHeight, top: element.scrollTop };
    onLoadOlder();
  };

  return (
    <div
      ref={scroller}
      className="rx-transcript"
      // The scroller is the live log (the list inside holds the items) and takes the focus, so the keyboard
      // can scroll it even where it holds no control.
      role="log"
      aria-live="polite"
      aria-relevant="additions"
      aria-label={t("dialog.transcript")}
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < stickPx;
      }}
      data-testid="transcript"
    >
      {hasOlder ? (
        <Group justify="center" py="xs">
          <Button size="xs" variant="subtle" loading={loadingOlder} onClick={loadOlder} data-testid="load-older">
            {t("dialog.loadOlder")}
          </Button>
        </Group>
      ) : null}
      {messages.length === 0 ? (
        <Text c="dimmed" size="sm" ta="center" py="lg">
          {t("dialog.noMessages")}
        </Text>
      ) : null}
      <ol className="rx-messages">
        {timeline(messages, notes).map((entry) =>
          entry.kind === "message" ? (
            <li key={`m${entry.message.seq}`} className="rx-message" data-author={entry.message.author} data-testid="message" data-seq={entry.message.seq}>
              <div className="rx-bubble">
                <div className="rx-message-meta">
                  <span className="rx-message-author">{authorLabel(entry.message.author, entry.message.operatorId, me)}</span>
                  <time dateTime={entry.message.at} title={formatDateTime(entry.message.at)}>
                    {formatTime(entry.message.at)}
                  </time>
                </div>
                <div className="rx-message-text">{entry.message.text}</div>
              </div>
            </li>
          ) : (
            <li key={`n${entry.note.id}`} className="rx-message" data-author="note" data-testid="note">
              <div className="rx-bubble">
                <div className="rx-message-meta">
                  <span className="rx-message-author">
                    {t("dialog.note")} · {entry.note.authorId === me ? t("author.you") : t("author.operator")}
                  </span>
                  <time dateTime={entry.note.at} title={formatDateTime(entry.note.at)}>
                    {formatTime(entry.note.at)}
                  </time>
                </div>
                <div className="rx-message-text">{entry.note.text}</div>
              </div>
            </li>
          ),
        )}
      </ol>
      {partial !== null ? (
        <div className="rx-message" data-author="assistant" data-testid="typing" aria-live="off">
          <div className="rx-bubble rx-bubble-typing">
            <div className="rx-message-meta">
              <span className="rx-message-author">{t("author.assistant")}</span>
              <Group gap={4} component="span">
                <Loader type="dots" size="xs" />
                <span>{t("dialog.aiWriting")}</span>
              </Group>
            </div>
            {partial ? <div className="rx-message-text">{partial}</div> : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

import { Button, Group, Loader, Text } from "@mantine/core";
import { useLayoutEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../api/types";
import { formatDateTime, formatTime } from "../format";
import { useAuthorLabel } from "./labels";

interface Props {
  messages: Message[];
  me: string;
  partial: string | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
}

/** Within this many pixels of the bottom, new messages keep the view pinned to the bottom. */
const stickPx = 80;

export function Transcript({ messages, me, partial, hasOlder, loadingOlder, onLoadOlder }: Props) {
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
  }, [firstSeq, lastSeq, partial]);

  const loadOlder = () => {
    const element = scroller.current;
    if (element) olderAnchor.current = { height: element.scrollHeight, top: element.scrollTop };
    onLoadOlder();
  };

  return (
    <div
      ref={scroller}
      className="rx-transcript"
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
      <ol className="rx-messages" role="log" aria-live="polite" aria-relevant="additions" aria-label={t("dialog.transcript")}>
        {messages.map((message) => (
          <li key={message.seq} className="rx-message" data-author={message.author} data-testid="message" data-seq={message.seq}>
            <div className="rx-bubble">
              <div className="rx-message-meta">
                <span className="rx-message-author">{authorLabel(message.author, message.operatorId, me)}</span>
                <time dateTime={message.at} title={formatDateTime(message.at)}>
                  {formatTime(message.at)}
                </time>
              </div>
              <div className="rx-message-text">{message.text}</div>
            </div>
          </li>
        ))}
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

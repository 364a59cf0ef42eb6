import { Badge, Button, Group, Kbd, Loader, Stack, Text, Textarea } from "@mantine/core";
import { useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { ask } from "../api/knowledge";
import { uuid } from "../api/http";
import type { AskResult, KnowledgeSource } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";

export const maxQuestionLength = 4000;

interface Exchange {
  id: string;
  question: string;
  answer: AskResult | null;
  error: unknown;
}

/** "prices.pdf — Delivery · page 3". */
function Source({ source }: { source: KnowledgeSource }) {
  const { t } = useTranslation();
  const where = [source.heading, source.page !== null ? t("knowledge.page", { page: source.page }) : null].filter(Boolean).join(" · ");
  return (
    <li data-testid="answer-source" data-document-id={source.documentId || undefined}>
      <Text span size="xs" fw={600} className="rx-break">
        {source.fileName}
      </Text>
      {where ? (
        <Text span size="xs" c="dimmed" className="rx-break">
          {" — "}
          {where}
        </Text>
      ) : null}
    </li>
  );
}

function Answer({ answer }: { answer: AskResult }) {
  const { t } = useTranslation();
  return (
    <div className="rx-bubble rx-answer" data-offline={answer.offline ? "true" : "false"} data-testid="answer">
      <div className="rx-message-meta">
        <span className="rx-message-author">{t("author.assistant")}</span>
        {answer.offline ? (
          <Badge color="orange" variant="light" size="xs" data-testid="answer-offline">
            {t("chat.offline")}
          </Badge>
        ) : null}
      </div>
      <div className="rx-message-text" data-testid="answer-text">
        {answer.text}
      </div>
      {answer.offline ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("chat.offlineHint")}
        </Text>
      ) : null}
      <div className="rx-answer-sources">
        <Text size="xs" fw={700}>
          {t("chat.sources")}
        </Text>
        {answer.sources.length > 0 ? (
          <ul data-testid="answer-sources">
            {answer.sources.map((source, index) => (
              <Source key={`${source.documentId}:${source.fileName}:${source.heading ?? ""}:${source.page ?? ""}:${index}`} source={source} />
            ))}
          </ul>
        ) : (
          <Text size="xs" c="dimmed" data-testid="answer-no-sources">
            {t("chat.noSources")}
          </Text>
        )}
      </div>
      <Text size="xs" c="dimmed" mt={4}>
        {[answer.model, t("chat.usage", { prompt: answer.usage.promptTokens, completion: answer.usage.completionTokens })].filter(Boolean).join(" · ")}
      </Text>
    </div>
  );
}

export function TestChat({ assistantId }: { assistantId: string }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const input = useRef<HTMLTextAreaElement>(null);
  const pending = exchanges.some((e) => e.answer === null && e.error === null);

  const send = (question: string, id: string = uuid()) => {
    setExchanges((list) => {
      const entry = { id, question, answer: null, error: null };
      return list.some((e) => e.id === id) ? list.map((e) => (e.id === id ? entry : e)) : [...list, entry];
    });
    ask(assistantId, question).then(
      (answer) => setExchanges((list) => list.map((e) => (e.id === id ? { ...e, answer } : e))),
      (error: unknown) => setExchanges((list) => list.map((e) => (e.id === id ? { ...e, error } : e))),
    );
  };

  const submit = () => {
    const question = text.trim();
    if (!question || pending) return;
    setText("");
    send(question);
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <Stack gap="sm">
      {exchanges.length > 0 ? (
        <div role="log" aria-label={t("chat.log")} data-testid="chat-log">
        <ol className="rx-chat">
          {exchanges.map((exchange) => (
            <li key={exchange.id} className="rx-chat-exchange" data-testid="chat-exchange">
              <div className="rx-message" data-author="user">
                <div className="rx-bubble">
                  <div className="rx-message-meta">
                    <span className="rx-message-author">{t("chat.you")}</span>
                  </div>
                  <div className="rx-message-text">{exchange.question}</div>
                </div>
              </div>
              <div className="rx-message" data-author="assistant">
                {exchange.answer ? (
                  <Answer answer={exchange.answer} />
                ) : exchange.error !== null ? (
                  <div className="rx-answer-error">
                    <ProblemAlert error={exchange.error} heading={t("chat.failed")} testId="chat-error">
                      <Group gap="xs" mt={4}>
                        <Button size="xs" variant="light" color="red" onClick={() => send(exchange.question, exchange.id)} disabled={pending}>
                          {t("app.retry")}
                        </Button>
                      </Group>
                    </ProblemAlert>
                  </div>
                ) : (
                  <Group gap="xs" className="rx-bubble" data-testid="chat-pending">
                    <Loader size="xs" />
                    <Text size="sm" c="dimmed">
                      {t("chat.thinking")}
                    </Text>
                  </Group>
                )}
              </div>
            </li>
          ))}
        </ol>
        </div>
      ) : (
        <Text size="sm" c="dimmed">
          {t("chat.empty")}
        </Text>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
        data-testid="chat-form"
      >
        <Textarea
          ref={input}
          label={t("chat.question")}
          placeholder={t("chat.placeholder")}
          autosize
          minRows={2}
          maxRows={6}
          maxLength={maxQuestionLength}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          onKeyDown={onKeyDown}
          data-testid="chat-input"
        />
        <Group justify="space-between" mt={6} wrap="nowrap">
          <Text size="xs" c="dimmed" className="rx-hide-phone">
            <Kbd size="xs">Enter</Kbd> {t("dialog.enterSends")} · <Kbd size="xs">Shift</Kbd>+<Kbd size="xs">Enter</Kbd> {t("dialog.newLine")}
          </Text>
          <Group gap="xs" wrap="nowrap" ml="auto">
            {exchanges.length > 0 ? (
              <Button variant="default" onClick={() => setExchanges([])} disabled={pending} data-testid="chat-clear">
                {t("chat.clear")}
              </Button>
            ) : null}
            <Button type="submit" loading={pending} disabled={!text.trim()} data-testid="chat-send">
              {t("chat.send")}
            </Button>
          </Group>
        </Group>
      </form>
    </Stack>
  );
}

import { ActionIcon, Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { useId, useState, type KeyboardEvent } from "react";
import { useChannelsT } from "./i18n";
import { assistantLimits } from "../api/channels";
import { originProblem, suggestOrigin } from "./origins";

interface Props {
  value: string[];
  onChange: (origins: string[]) => void;
  /** The server's message for the list, if it refused it. */
  serverError?: string | null;
}

function RemoveIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
      <path d="M18 6 6 18" />
      <path d="M6 6l12 12" />
    </svg>
  );
}

/** The sites allowed to open the widget: a list with a remove button each, and a field that adds one once it is a valid origin. */
export function OriginsEditor({ value, onChange, serverError }: Props) {
  const { t } = useChannelsT();
  const id = useId();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const max = assistantLimits.origins;
  const full = value.length >= max;
  const suggestion = problem ? suggestOrigin(text) : null;

  const add = (candidate: string = text) => {
    if (full) {
      setProblem(t("widgetLook.originErrors.full", { max }));
      return;
    }
    const why = originProblem(candidate, value);
    if (why) {
      setProblem(t(`widgetLook.originErrors.${why}`));
      return;
    }
    onChange([...value, candidate.trim()]);
    setText("");
    setProblem(null);
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      // Enter adds the origin; it must not submit the whole settings form.
      event.preventDefault();
      add();
    }
  };

  return (
    <Stack gap="xs" data-testid="origins-editor" role="group" aria-labelledby={`${id}-title`} aria-describedby={`${id}-hint`}>
      <div>
        <Group justify="space-between" gap="xs">
          <Text fw={500} size="sm" id={`${id}-title`}>
            {t("widgetLook.origins")}
          </Text>
          <Text size="xs" c="dimmed" data-testid="origins-count">
            {t("assistantEdit.count", { count: value.length, max })}
          </Text>
        </Group>
        <Text size="xs" c="dimmed" id={`${id}-hint`}>
          {t("widgetLook.originsHint", { max })}
        </Text>
      </div>
      {value.length === 0 ? (
        <Text size="sm" c="orange" data-testid="origins-empty">
          {t("widgetLook.originsEmpty")}
        </Text>
      ) : (
        <ul className="rx-origin-list" aria-labelledby={`${id}-title`} data-testid="origins-list">
          {value.map((origin) => {
            const bad = originProblem(origin);
            return (
              <li key={origin} data-testid="origin-item" data-invalid={bad ? "true" : undefined}>
                <div className="rx-min0">
                  <Text size="sm" ff="monospace" className="rx-break">
                    {origin}
                  </Text>
                  {bad ? (
                    <Text size="xs" c="red">
                      {t(`widgetLook.originErrors.${bad}`)}
                    </Text>
                  ) : null}
                </div>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  onClick={() => onChange(value.filter((o) => o !== origin))}
                  aria-label={t("widgetLook.originRemove", { origin })}
                  data-testid="origin-remove"
                >
                  <RemoveIcon />
                </ActionIcon>
              </li>
            );
          })}
        </ul>
      )}
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <TextInput
          className="rx-grow"
          label={t("widgetLook.originInput")}
          placeholder={t("widgetLook.originPlaceholder")}
          value={text}
          onChange={(event) => {
            setText(event.currentTarget.value);
            setProblem(null);
          }}
          onKeyDown={onKey}
          error={problem}
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          disabled={full}
          data-testid="origin-input"
        />
        <Button variant="light" mt={25} onClick={() => add()} disabled={full || !text.trim()} data-testid="origin-add">
          {t("widgetLook.originAdd")}
        </Button>
      </Group>
      {suggestion && originProblem(suggestion, value) === null ? (
        <Group>
          <Button size="compact-sm" variant="subtle" onClick={() => add(suggestion)} data-testid="origin-suggest">
            {t("widgetLook.originSuggest", { origin: suggestion })}
          </Button>
        </Group>
      ) : null}
      {serverError ? (
        <Text size="sm" c="red" role="alert" data-testid="origins-server-error">
          {serverError}
        </Text>
      ) : null}
    </Stack>
  );
}

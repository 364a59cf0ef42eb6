import { Alert, List, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/errors";

interface Props {
  error: unknown;
  /** What failed, shown above the problem's own title ("Could not upload report.pdf"). */
  heading?: string | undefined;
  /** A hint of our own under the server's words (what to do about a 415, say). */
  hint?: string | null | undefined;
  children?: ReactNode;
  onClose?: (() => void) | undefined;
  testId?: string;
}

/** An API error as the server put it: the problem's title, its detail and each field's validation messages. */
export function ProblemAlert({ error, heading, hint, children, onClose, testId }: Props) {
  const { t } = useTranslation();
  const problem = error instanceof ApiError ? error : null;
  const title = problem?.title ?? (error instanceof Error ? error.message : t("errors.generic"));
  const fields = Object.entries(problem?.errors ?? {}).filter(([, messages]) => messages.length > 0);
  return (
    <Alert
      color="red"
      role="alert"
      title={heading ?? title}
      withCloseButton={onClose !== undefined}
      onClose={onClose}
      closeButtonLabel={t("app.close")}
      data-testid={testId}
      data-status={problem?.status}
    >
      <Stack gap={4}>
        {heading ? (
          <Text size="sm" fw={600}>
            {title}
          </Text>
        ) : null}
        {problem?.detail ? <Text size="sm">{problem.detail}</Text> : null}
        {fields.length > 0 ? (
          <List size="sm">
            {fields.flatMap(([field, messages]) =>
              messages.map((message) => (
                <List.Item key={`${field}:${message}`}>
                  <Text span size="sm" ff="monospace">
                    {field}
                  </Text>
                  : {message}
                </List.Item>
              )),
            )}
          </List>
        ) : null}
        {hint ? (
          <Text size="sm" c="dimmed">
            {hint}
          </Text>
        ) : null}
        {children}
      </Stack>
    </Alert>
  );
}

import { Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** A titled card of a page: its heading names the region. */
export function Section({ id, title, text, children, testId, aside }: {
  id: string;
  title: string;
  text?: string;
  children: ReactNode;
  testId: string;
  /** Beside the title (a button, a state). */
  aside?: ReactNode;
}) {
  return (
    <Paper component="section" withBorder radius="md" p="md" aria-labelledby={id} data-testid={testId}>
      <Stack gap="md">
        <div className="rx-section-head">
          <div className="rx-min0">
            <Title order={2} size="h4" id={id}>
              {title}
            </Title>
            {text ? (
              <Text size="sm" c="dimmed">
                {text}
              </Text>
            ) : null}
          </div>
          {aside}
        </div>
        {children}
      </Stack>
    </Paper>
  );
}

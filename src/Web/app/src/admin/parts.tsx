// Small pieces the admin pages share: the page's heading, the period switch, the live feed's state, a loading
// placeholder, a load error with a retry, the next page of a list, and an empty state.

import { Badge, Button, Group, SegmentedControl, Skeleton, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useAdminT } from "./i18n";
import type { StreamState } from "../api/sse";
import { ProblemAlert } from "../components/ProblemAlert";
import { rangeChoices, type RangeDays } from "./days";

export function PageHead({ title, tagline, aside }: { title: string; tagline: string; aside?: ReactNode }) {
  return (
    <div className="rx-section-head">
      <div className="rx-min0">
        <Title order={1} size="h2">
          {title}
        </Title>
        <Text c="dimmed">{tagline}</Text>
      </div>
      {aside}
    </div>
  );
}

export function RangeSwitch({ value, onChange, testId }: { value: RangeDays; onChange: (days: RangeDays) => void; testId: string }) {
  const { t } = useAdminT();
  return (
    <SegmentedControl
      value={String(value)}
      onChange={(v) => onChange(Number(v) as RangeDays)}
      data={rangeChoices.map((d) => ({ value: String(d), label: t("adminCommon.days", { count: d }) }))}
      aria-label={t("adminCommon.range")}
      data-testid={testId}
    />
  );
}

const feedColors: Record<StreamState, string> = { connecting: "yellow", open: "green", reconnecting: "yellow", failed: "red" };

export function FeedBadge({ state, testId }: { state: StreamState; testId: string }) {
  const { t } = useAdminT();
  return (
    <span className="rx-feed" role="status" data-testid={testId} data-state={state}>
      <span className="rx-feed-dot" data-color={feedColors[state]} aria-hidden="true" />
      <Text span size="xs" c="dimmed">
        {t(`adminCommon.feed.${state}`)}
      </Text>
    </span>
  );
}

export function Loading({ rows = 3, height = 36, testId }: { rows?: number; height?: number; testId: string }) {
  const { t } = useAdminT();
  return (
    <Stack gap="xs" aria-busy="true" aria-label={t("adminCommon.loading")} data-testid={testId}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={height} radius="sm" />
      ))}
    </Stack>
  );
}

export function LoadFailed({ error, heading, onRetry, testId }: { error: unknown; heading: string; onRetry: () => void; testId: string }) {
  const { t } = useAdminT();
  return (
    <ProblemAlert error={error} heading={heading} testId={testId}>
      <Group mt={4}>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          {t("adminCommon.retry")}
        </Button>
      </Group>
    </ProblemAlert>
  );
}

/** The next keyset page of a list: the button while there is one, and the API's problem when fetching it failed. */
export function LoadMore({ list, testId, failure }: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
  testId: string;
  /** Shown with the API's problem title when a page failed; omitted where the page shows load errors itself. */
  failure?: { error: unknown; heading: string; testId: string };
}) {
  const { t } = useAdminT();
  return (
    <>
      {failure?.error ? <ProblemAlert error={failure.error} heading={failure.heading} testId={failure.testId} /> : null}
      {list.hasNextPage ? (
        <Group justify="center">
          <Button variant="light" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid={testId}>
            {t("adminCommon.more")}
          </Button>
        </Group>
      ) : null}
    </>
  );
}

export function Empty({ title, text, testId, children }: { title: string; text: string; testId: string; children?: ReactNode }) {
  return (
    <div className="rx-empty rx-doc-empty" data-testid={testId}>
      <Text fw={600}>{title}</Text>
      <Text size="sm" c="dimmed" maw={520}>
        {text}
      </Text>
      {children}
    </div>
  );
}

export function StatusBadge({ color, children, testId }: { color: string; children: ReactNode; testId?: string }) {
  return (
    <Badge variant="light" color={color} size="sm" className="rx-badge-wrap" data-testid={testId}>
      {children}
    </Badge>
  );
}

/** A count in the user's language ("12 345"). */
export function useNumber(): (value: number | null | undefined) => string {
  const { t, language } = useAdminT();
  const format = new Intl.NumberFormat(language);
  return (value) => (value === null || value === undefined ? t("adminCommon.none") : format.format(value));
}

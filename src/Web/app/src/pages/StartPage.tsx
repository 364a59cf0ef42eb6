import { Alert, Badge, Button, Group, Paper, Progress, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ProblemAlert } from "../components/ProblemAlert";
import { useGuideProgress, type GuideStep } from "../owner/queries";
import { Link } from "../router";

function CheckIcon({ done }: { done: boolean }) {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <circle cx="12" cy="12" r="10" />
      {done ? <path d="M7.5 12.5l3 3 6-6.5" /> : null}
    </svg>
  );
}

function Step({ step, index, current }: { step: GuideStep; index: number; current: boolean }) {
  const { t } = useTranslation();
  const titleId = `guide-step-${step.key}`;
  return (
    <li data-testid="guide-step" data-step={step.key} data-done={step.done ? "true" : "false"} aria-current={current ? "step" : undefined}>
      <Paper withBorder radius="md" p="md" className="rx-guide-step" data-done={step.done ? "true" : "false"}>
        <div className="rx-guide-icon" data-done={step.done ? "true" : "false"}>
          <CheckIcon done={step.done} />
        </div>
        <Stack gap={6} className="rx-min0 rx-grow">
          <Group gap="xs" wrap="wrap">
            <Text size="xs" c="dimmed" fw={600}>
              {t("guide.stepLabel", { n: index + 1 })}
            </Text>
            <Badge size="sm" variant="light" color={step.done ? "green" : "gray"} data-testid="guide-step-state">
              {step.done ? t("guide.done") : t("guide.notDone")}
            </Badge>
          </Group>
          <Title order={2} size="h4" id={titleId}>
            {t(`guide.steps.${step.key}.title`)}
          </Title>
          <Text size="sm" c="dimmed">
            {t(`guide.steps.${step.key}.text`)}
          </Text>
          <Group>
            <Button component={Link} href={step.href} variant={current ? "filled" : "light"} size="sm" data-testid="guide-step-action">
              {t(`guide.steps.${step.key}.action`)}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </li>
  );
}

/** The first-run guide: four steps, each done or not by what the API says. */
export function StartPage() {
  const { t } = useTranslation();
  const guide = useGuideProgress(true, true);
  const total = guide.steps?.length ?? 4;
  const current = guide.steps?.findIndex((s) => !s.done) ?? -1;
  return (
    <Stack gap="lg" className="rx-page" data-testid="start-guide" data-finished={guide.finished ? "true" : "false"}>
      <div>
        <Title order={1} size="h2">
          {t("guide.title")}
        </Title>
        <Text c="dimmed">{t("guide.tagline")}</Text>
      </div>
      {guide.errors.length > 0 ? (
        <ProblemAlert error={guide.errors[0]} heading={t("guide.loadFailed")} testId="guide-error">
          <Group mt={4}>
            <Button size="xs" variant="light" color="red" onClick={guide.refetch}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      ) : null}
      {guide.steps === null ? (
        guide.errors.length > 0 ? null : (
          <Stack gap="xs" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid="guide-loading">
            {[0, 1, 2, 3].map((i) => (
              <Skeleton key={i} height={96} radius="md" />
            ))}
          </Stack>
        )
      ) : (
        <>
          <div>
            <Text size="sm" fw={600} id="guide-progress-label" data-testid="guide-progress">
              {t("guide.progress", { done: guide.done, total })}
            </Text>
            <Progress.Root mt={6}>
              <Progress.Section value={(guide.done / total) * 100} color={guide.finished ? "green" : "blue"} aria-labelledby="guide-progress-label" />
            </Progress.Root>
          </div>
          {guide.finished ? (
            <Alert color="green" title={t("guide.finishedTitle")} data-testid="guide-finished">
              <Stack gap="xs">
                <Text size="sm">{t("guide.finished")}</Text>
                <Group gap="xs">
                  <Button component={Link} href="/" size="xs" variant="filled" color="green">
                    {t("guide.toDesk")}
                  </Button>
                  <Button component={Link} href="/usage" size="xs" variant="light" color="green">
                    {t("guide.toUsage")}
                  </Button>
                </Group>
              </Stack>
            </Alert>
          ) : null}
          <ol className="rx-guide" aria-label={t("guide.title")}>
            {guide.steps.map((step, index) => (
              <Step key={step.key} step={step} index={index} current={index === current} />
            ))}
          </ol>
        </>
      )}
    </Stack>
  );
}

import { Alert, Anchor, Badge, Group, List, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { NetworkError, errorFromResponse, errorText } from "../api/errors";
import type { HealthReport } from "../api/types";
import i18n, { currentLanguage } from "../i18n";

const pollMs = 5_000;

/** /health answers 503 with the same report when something is down, so both are read as a report. */
async function fetchHealth(signal: AbortSignal): Promise<HealthReport> {
  let response: Response;
  try {
    response = await fetch("/health", { headers: { accept: "application/json" }, cache: "no-store", signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new NetworkError(i18n.t("errors.network"));
  }
  const type = response.headers.get("content-type") ?? "";
  if ((response.ok || response.status === 503) && type.includes("json")) {
    const report = (await response.json()) as Partial<HealthReport>;
    if (typeof report.status === "string") return { status: report.status, components: report.components ?? {} };
  }
  throw await errorFromResponse(response);
}

const colors: Record<string, string> = { Healthy: "green", Degraded: "yellow", Unhealthy: "red" };

function StateBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const known = status === "Healthy" || status === "Degraded" || status === "Unhealthy";
  return (
    <Badge color={colors[status] ?? "gray"} variant="light" data-status={status}>
      {known ? t(`status.states.${status}`) : status}
    </Badge>
  );
}

export function StatusPage() {
  const { t } = useTranslation();
  const health = useQuery({
    queryKey: ["health"],
    queryFn: ({ signal }) => fetchHealth(signal),
    refetchInterval: pollMs,
    retry: false,
    staleTime: 0,
  });
  const components = Object.entries(health.data?.components ?? {});
  return (
    <Stack gap="lg" className="rx-page" data-testid="status-page">
      <div>
        <Title order={1} size="h2">
          {t("status.title")}
        </Title>
        <Text c="dimmed">{t("status.tagline")}</Text>
      </div>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={2} size="h4">
              {t("status.overall")}
            </Title>
            <div aria-live="polite" data-testid="status-overall">
              {health.isPending ? <Loader size="sm" aria-label={t("app.loading")} /> : null}
              {health.data ? <StateBadge status={health.data.status} /> : null}
              {health.isError && !health.data ? <Badge color="red">{t("status.noAnswer")}</Badge> : null}
            </div>
          </Group>
          {health.isError ? (
            <Alert color="red" title={t("status.noAnswer")}>
              {errorText(health.error)}
            </Alert>
          ) : null}
          {components.length > 0 ? (
            <Table.ScrollContainer minWidth={420}>
              <Table striped highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("status.component")}</Table.Th>
                    <Table.Th scope="col">{t("status.state")}</Table.Th>
                    <Table.Th scope="col">{t("status.details")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody data-testid="status-components">
                  {components.map(([name, component]) => (
                    <Table.Tr key={name}>
                      <Table.Td>{name}</Table.Td>
                      <Table.Td>
                        <StateBadge status={component.status} />
                      </Table.Td>
                      <Table.Td>{component.description ?? ""}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : null}
          {health.dataUpdatedAt > 0 ? (
            <Text size="sm" c="dimmed">
              {t("status.updated")} <time dateTime={new Date(health.dataUpdatedAt).toISOString()}>{new Date(health.dataUpdatedAt).toLocaleTimeString(currentLanguage())}</time>
            </Text>
          ) : null}
        </Stack>
      </Paper>
      <Paper withBorder p="md" radius="md">
        <Title order={2} size="h4" mb="xs">
          {t("status.links")}
        </Title>
        <List>
          <List.Item>
            <Anchor href="/health">/health</Anchor>
          </List.Item>
          <List.Item>
            <Anchor href="/metrics">/metrics</Anchor>
          </List.Item>
          <List.Item>
            <Anchor href="/openapi/v1.json">/openapi/v1.json</Anchor>
          </List.Item>
        </List>
      </Paper>
    </Stack>
  );
}

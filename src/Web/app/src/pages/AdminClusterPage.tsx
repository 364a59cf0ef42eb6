import { Alert, Button, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { startDashboardSession, type ClusterSilo } from "../admin/api";
import { useAdminT, type AdminT } from "../admin/i18n";
import { Empty, LoadFailed, Loading, PageHead, StatusBadge, useNumber } from "../admin/parts";
import { clusterOptions } from "../admin/queries";
import { ApiError } from "../api/errors";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { formatTime } from "../format";
import { formatBytes } from "../knowledge/labels";

function formatUptime(seconds: number, language: string): string {
  const units: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86_400], ["hour", 3_600], ["minute", 60], ["second", 1]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (unit === "second" && parts.length === 0)) {
      parts.push(new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "narrow" }).format(n));
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

const siloColors: Record<string, string> = { Active: "green", Joining: "blue", Created: "blue", ShuttingDown: "orange", Stopping: "orange", Dead: "red" };

function OpenDashboard({ t }: { t: AdminT }) {
  const open = useMutation({
    mutationFn: startDashboardSession,
    onSuccess: () => {
      window.open("/admin/orleans/", "_blank", "noopener");
    },
  });
  return (
    <Stack gap={4} align="flex-end" className="rx-min0">
      <Button onClick={() => open.mutate()} loading={open.isPending} variant="light" data-testid="open-orleans-dashboard">
        {t("cluster.dashboard")}
      </Button>
      <Text size="xs" c="dimmed">
        {t("cluster.dashboardHint")}
      </Text>
      {open.error ? (
        <ProblemAlert error={open.error} heading={t("cluster.dashboardFailed")} onClose={() => open.reset()} testId="orleans-dashboard-error" />
      ) : null}
    </Stack>
  );
}

/** The grain types, the most active first, with each silo's count. */
function grainRows(silos: readonly ClusterSilo[]): { type: string; total: number; bySilo: number[] }[] {
  const types = new Map<string, number[]>();
  silos.forEach((silo, index) => {
    for (const [type, count] of Object.entries(silo.activationsByType)) {
      const row = types.get(type) ?? silos.map(() => 0);
      row[index] = (row[index] ?? 0) + count;
      types.set(type, row);
    }
  });
  return [...types.entries()]
    .map(([type, bySilo]) => ({ type, bySilo, total: bySilo.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.type.localeCompare(b.type));
}

/** Platform admins: the Orleans silos, polled every 2 s, and the way into Orleans' own dashboard. */
export function AdminClusterPage() {
  const { t, language } = useAdminT();
  const number = useNumber();
  const cluster = useQuery(clusterOptions);
  const data = cluster.data;
  const unavailable = cluster.error instanceof ApiError && cluster.error.status === 503 ? cluster.error : null;
  const percent = (value: number) => new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(value / 100);
  const decimal = (value: number) => new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(value);
  const rows = data ? grainRows(data.silos) : [];

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="cluster-view">
      <PageHead title={t("cluster.title")} tagline={t("cluster.tagline")} aside={<OpenDashboard t={t} />} />
      {cluster.error ? (
        unavailable ? (
          <Alert color="orange" role="alert" title={t("cluster.unavailable")} data-testid="cluster-unavailable">
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                {unavailable.title}
              </Text>
              {unavailable.detail ? <Text size="sm">{unavailable.detail}</Text> : null}
              <Text size="sm">{t("cluster.unavailableHint")}</Text>
            </Stack>
          </Alert>
        ) : data ? (
          <ProblemAlert error={cluster.error} heading={t("cluster.loadFailed")} testId="cluster-refresh-error" />
        ) : null
      ) : null}
      {cluster.isPending ? (
        <Loading rows={3} testId="cluster-loading" />
      ) : !data ? (
        unavailable ? null : <LoadFailed error={cluster.error} heading={t("cluster.loadFailed")} onRetry={() => void cluster.refetch()} testId="cluster-error" />
      ) : (
        <>
          <Text size="sm" data-testid="cluster-summary">
            {t("cluster.summary", { silos: number(data.activeSilos), activations: number(data.activations) })}
            {" · "}
            <Text span size="xs" c="dimmed">
              {t("adminCommon.updated", { time: formatTime(data.at) })}. {t("cluster.pollHint")}
            </Text>
          </Text>
          <Section id="cluster-silos-heading" title={t("cluster.silosTitle")} testId="cluster-silos">
            <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="cluster-silos-heading" data-testid="cluster-silos-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("cluster.silo")}</Table.Th>
                  <Table.Th scope="col">{t("cluster.status")}</Table.Th>
                  <Table.Th scope="col">{t("cluster.uptime")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("cluster.activations")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("cluster.cpu")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("cluster.memory")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("cluster.messagesPerSecond")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.silos.map((silo) => (
                  <Table.Tr key={silo.address} data-testid="cluster-silo" data-address={silo.address} data-status={silo.status}>
                    <Table.Th scope="row" data-label={t("cluster.silo")} fw={400}>
                      <Text size="sm" fw={600} className="rx-break">
                        {silo.name}
                      </Text>
                      <Text size="xs" c="dimmed" className="rx-mono rx-break">
                        {silo.address} · {silo.hostName}
                      </Text>
                    </Table.Th>
                    <Table.Td data-label={t("cluster.status")}>
                      <StatusBadge color={siloColors[silo.status] ?? "gray"}>{silo.status}</StatusBadge>
                    </Table.Td>
                    <Table.Td data-label={t("cluster.uptime")}>
                      <Text size="sm" className="rx-nowrap">
                        {silo.status === "Active" ? formatUptime(silo.uptimeSeconds, language) : t("adminCommon.none")}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("cluster.activations")} className="rx-num">
                      <Text size="sm">{number(silo.activations)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("cluster.cpu")} className="rx-num">
                      <Text size="sm">{silo.cpuPercent === null ? t("adminCommon.none") : percent(silo.cpuPercent)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("cluster.memory")} className="rx-num">
                      <Text size="sm" className="rx-nowrap">{silo.memoryBytes === null ? t("adminCommon.none") : formatBytes(silo.memoryBytes)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("cluster.messagesPerSecond")} className="rx-num">
                      <Text size="sm" c={silo.messagesPerSecond === null ? "dimmed" : undefined}>
                        {silo.messagesPerSecond === null ? t("cluster.notMeasured") : decimal(silo.messagesPerSecond)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Section>
          <Section id="cluster-grains-heading" title={t("cluster.grainsTitle")} text={t("cluster.grainsText")} testId="cluster-grains">
            {rows.length === 0 ? (
              <Empty title={t("cluster.noGrainsTitle")} text={t("cluster.noGrains")} testId="cluster-grains-empty" />
            ) : (
              <div className="rx-table-scroll">
                <Table className="rx-card-table" verticalSpacing={4} aria-labelledby="cluster-grains-heading" data-testid="cluster-grains-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t("cluster.grainType")}</Table.Th>
                      <Table.Th scope="col" className="rx-num">{t("cluster.total")}</Table.Th>
                      {data.silos.map((silo) => (
                        <Table.Th key={silo.address} scope="col" className="rx-num">
                          {silo.name}
                        </Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((row) => (
                      <Table.Tr key={row.type} data-testid="cluster-grain-type" data-type={row.type} data-total={row.total}>
                        <Table.Th scope="row" data-label={t("cluster.grainType")} fw={400}>
                          <Text size="sm" className="rx-mono rx-break">
                            {row.type}
                          </Text>
                        </Table.Th>
                        <Table.Td data-label={t("cluster.total")} className="rx-num">
                          <Text size="sm" fw={600}>{number(row.total)}</Text>
                        </Table.Td>
                        {data.silos.map((silo, i) => (
                          <Table.Td key={silo.address} data-label={silo.name} className="rx-num">
                            <Text size="sm">{number(row.bySilo[i] ?? 0)}</Text>
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )}
          </Section>
        </>
      )}
    </Stack>
  );
}

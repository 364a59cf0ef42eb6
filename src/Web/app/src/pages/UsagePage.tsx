import { Button, Group, SegmentedControl, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { AccountUsage } from "../api/account";
import { billingServices, type SpendRow } from "../api/billing";
import { useBillingLabels } from "../billing/labels";
import { formatMoney, toMicro } from "../billing/money";
import { DailyChart, type ChartDay } from "../components/DailyChart";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { currentLanguage } from "../i18n";
import { assistantsOptions } from "../knowledge/queries";
import { daysBetween, spendRangeOptions, usageOptions, utcDay } from "../owner/queries";
import { Link } from "../router";

const ranges = [7, 30, 90] as const;
type Range = (typeof ranges)[number];

const formatCount = (value: number) => new Intl.NumberFormat(currentLanguage()).format(value);

function Loading({ height, testId }: { height: number; testId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid={testId}>
      <Skeleton height={height} radius="sm" />
    </Stack>
  );
}

/** The range's days, every one of them (the server leaves out none, but a day it lacks counts as zero). */
function chartDays(usage: AccountUsage, pick: (day: AccountUsage["days"][number]) => Record<string, number>): ChartDay[] {
  const byDay = new Map(usage.days.map((d) => [d.day, d]));
  return daysBetween(usage.from, usage.to).map((day) => {
    const found = byDay.get(day);
    return { day, values: found ? pick(found) : {} };
  });
}

function SpendSection({ from, to }: { from: string; to: string }) {
  const { t } = useTranslation();
  const labels = useBillingLabels();
  const spend = useQuery({ ...spendRangeOptions(from, to), placeholderData: keepPreviousData });
  const rows: readonly SpendRow[] = spend.data ?? [];
  const order = (s: string) => {
    const i = (billingServices as readonly string[]).indexOf(s);
    return i < 0 ? billingServices.length : i;
  };
  const services = [...new Set(rows.map((r) => r.service))].sort((a, b) => order(a) - order(b));
  const days: ChartDay[] = daysBetween(from, to).map((day) => ({
    day,
    values: Object.fromEntries(rows.filter((r) => r.day === day).map((r) => [r.service, Math.abs(toMicro(r.amount)) / 1_000_000])),
  }));
  return (
    <Section id="usage-spend-heading" title={t("usage.spendTitle")} text={t("usage.spendText")} testId="usage-spend-section">
      {spend.isPending ? (
        <Loading height={140} testId="usage-spend-loading" />
      ) : !spend.data ? (
        <ProblemAlert error={spend.error} heading={t("usage.spendFailed")} testId="usage-spend-error" />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="usage-spend-empty">
          {t("usage.spendEmpty")}
        </Text>
      ) : (
        <DailyChart
          days={days}
          series={services.map((s) => ({ key: s, label: labels.service(s) }))}
          caption={t("usage.spendCaption")}
          testId="usage-spend-chart"
          format={(value) => formatMoney(value.toFixed(6))}
          totalLabel={t("usage.total")}
          dayLabel={t("usage.day")}
        />
      )}
    </Section>
  );
}

interface Row {
  assistantId: string;
  channel: string;
  newDialogs: number;
  customerMessages: number;
  aiReplies: number;
  operatorMessages: number;
}

function sliceRows(usage: AccountUsage): Row[] {
  const rows = new Map<string, Row>();
  for (const s of usage.slices) {
    const key = `${s.assistantId}/${s.channel}`;
    const row = rows.get(key) ?? { assistantId: s.assistantId, channel: s.channel, newDialogs: 0, customerMessages: 0, aiReplies: 0, operatorMessages: 0 };
    row.newDialogs += s.newDialogs;
    row.customerMessages += s.customerMessages;
    row.aiReplies += s.aiReplies;
    row.operatorMessages += s.operatorMessages;
    rows.set(key, row);
  }
  const total = (r: Row) => r.customerMessages + r.aiReplies + r.operatorMessages;
  return [...rows.values()].sort((a, b) => total(b) - total(a) || a.channel.localeCompare(b.channel));
}

function UsageTable({ usage }: { usage: AccountUsage }) {
  const { t } = useTranslation();
  const assistants = useQuery(assistantsOptions);
  const names = new Map((assistants.data ?? []).map((a) => [a.id, a.name]));
  const rows = sliceRows(usage);
  const channel = (c: string) => (c === "telegram" || c === "widget" ? t(`channel.${c}`) : c);
  const assistantName = (id: string) => names.get(id) ?? (assistants.data ? t("usage.deletedAssistant") : "…");
  return (
    <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="usage-table-heading" data-testid="usage-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("usage.assistant")}</Table.Th>
          <Table.Th scope="col">{t("usage.channel")}</Table.Th>
          <Table.Th scope="col" className="rx-num">{t("usage.dialogs")}</Table.Th>
          <Table.Th scope="col" className="rx-num">{t("usage.customer")}</Table.Th>
          <Table.Th scope="col" className="rx-num">{t("usage.ai")}</Table.Th>
          <Table.Th scope="col" className="rx-num">{t("usage.operator")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={`${row.assistantId}/${row.channel}`} data-testid="usage-row" data-assistant-id={row.assistantId} data-channel={row.channel}>
            <Table.Td data-label={t("usage.assistant")}>
              <Text size="sm" fw={500} className="rx-break">
                {assistantName(row.assistantId)}
              </Text>
            </Table.Td>
            <Table.Td data-label={t("usage.channel")}>
              <Text size="sm">{channel(row.channel)}</Text>
            </Table.Td>
            <Table.Td data-label={t("usage.dialogs")} className="rx-num">{formatCount(row.newDialogs)}</Table.Td>
            <Table.Td data-label={t("usage.customer")} className="rx-num">{formatCount(row.customerMessages)}</Table.Td>
            <Table.Td data-label={t("usage.ai")} className="rx-num">{formatCount(row.aiReplies)}</Table.Td>
            <Table.Td data-label={t("usage.operator")} className="rx-num">{formatCount(row.operatorMessages)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function hasUsage(usage: AccountUsage): boolean {
  return (
    usage.slices.length > 0 ||
    usage.days.some((d) => d.customerMessages + d.aiReplies + d.operatorMessages + d.promptTokens + d.completionTokens + d.newDialogs > 0)
  );
}

/** The account's usage (owners) over 7, 30 or 90 UTC days: messages, AI tokens, spending, and per assistant and channel. */
export function UsagePage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>(30);
  const from = utcDay(range - 1);
  const to = utcDay(0);
  const usage = useQuery({ ...usageOptions(from, to), placeholderData: keepPreviousData });
  const data = usage.data;
  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="usage-page" aria-busy={usage.isFetching ? "true" : "false"}>
      <div className="rx-section-head">
        <div className="rx-min0">
          <Title order={1} size="h2">
            {t("usage.title")}
          </Title>
          <Text c="dimmed">{t("usage.tagline")}</Text>
        </div>
        <SegmentedControl
          value={String(range)}
          onChange={(value) => setRange(Number(value) as Range)}
          data={ranges.map((r) => ({ value: String(r), label: t("usage.days", { count: r }) }))}
          aria-label={t("usage.range")}
          data-testid="usage-range"
        />
      </div>
      {usage.isPending ? (
        <Loading height={160} testId="usage-loading" />
      ) : !data ? (
        <ProblemAlert error={usage.error} heading={t("usage.loadFailed")} testId="usage-error">
          <Group mt={4}>
            <Button size="xs" variant="light" color="red" onClick={() => void usage.refetch()}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      ) : !hasUsage(data) ? (
        <>
          <div className="rx-empty rx-doc-empty" data-testid="usage-empty">
            <Text fw={600}>{t("usage.emptyTitle")}</Text>
            <Text size="sm" c="dimmed" maw={560}>
              {t("usage.empty")}
            </Text>
            <Button component={Link} href="/start" variant="light" size="sm" mt="sm">
              {t("usage.toGuide")}
            </Button>
          </div>
          <SpendSection from={from} to={to} />
        </>
      ) : (
        <>
          <Section id="usage-messages-heading" title={t("usage.messagesTitle")} text={t("usage.messagesText")} testId="usage-messages-section">
            <DailyChart
              days={chartDays(data, (d) => ({ customer: d.customerMessages, ai: d.aiReplies, operator: d.operatorMessages }))}
              series={[
                { key: "customer", label: t("usage.customer") },
                { key: "ai", label: t("usage.ai") },
                { key: "operator", label: t("usage.operator") },
              ]}
              caption={t("usage.messagesCaption")}
              testId="usage-messages-chart"
              format={formatCount}
              totalLabel={t("usage.total")}
              dayLabel={t("usage.day")}
            />
          </Section>
          <Section id="usage-tokens-heading" title={t("usage.tokensTitle")} text={t("usage.tokensText")} testId="usage-tokens-section">
            {data.days.every((d) => d.promptTokens + d.completionTokens === 0) ? (
              <Text size="sm" c="dimmed" data-testid="usage-tokens-empty">
                {t("usage.tokensEmpty")}
              </Text>
            ) : (
              <DailyChart
                days={chartDays(data, (d) => ({ prompt: d.promptTokens, completion: d.completionTokens }))}
                series={[
                  { key: "prompt", label: t("usage.prompt") },
                  { key: "completion", label: t("usage.completion") },
                ]}
                caption={t("usage.tokensCaption")}
                testId="usage-tokens-chart"
                format={formatCount}
                totalLabel={t("usage.total")}
                dayLabel={t("usage.day")}
              />
            )}
          </Section>
          <SpendSection from={from} to={to} />
          <Section id="usage-table-heading" title={t("usage.tableTitle")} text={t("usage.tableText")} testId="usage-table-section">
            {data.slices.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("usage.emptyTitle")}
              </Text>
            ) : (
              <UsageTable usage={data} />
            )}
          </Section>
        </>
      )}
    </Stack>
  );
}

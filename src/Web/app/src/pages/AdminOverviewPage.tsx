import { Anchor, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useAdminT } from "../admin/i18n";
import { isBotStatusEvent, type OverviewDay } from "../admin/api";
import { eachDay, lastDays, type RangeDays } from "../admin/days";
import { Empty, FeedBadge, LoadFailed, Loading, PageHead, RangeSwitch, StatusBadge, useNumber } from "../admin/parts";
import { overviewOptions } from "../admin/queries";
import { useAdminFeed } from "../admin/useAdminFeed";
import { formatMoney } from "../billing/money";
import { DailyChart, type ChartDay, type ChartSeries } from "../components/DailyChart";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { formatTime } from "../format";
import { Link } from "../router";

/** One event of the admins' feed as it arrived. */
interface FeedEntry {
  n: number;
  at: string;
  type: string;
  botId: string | null;
  accountId: string | null;
  status: string | null;
  error: string | null;
}

const feedCap = 50;

export const botStatusColors: Record<string, string> = { running: "green", starting: "blue", stopped: "gray", failed: "red" };

function useBotStatusLabel(): (status: string) => string {
  const { t } = useAdminT();
  return (status) =>
    status === "running" || status === "starting" || status === "stopped" || status === "failed" ? t(`adminBots.statuses.${status}`) : status;
}

/** The admins' live feed, newest first, capped. */
function LiveEvents() {
  const { t } = useAdminT();
  const statusLabel = useBotStatusLabel();
  const [entries, setEntries] = useState<FeedEntry[]>([]);
  const feed = useAdminFeed((type, data) => {
    const bot = isBotStatusEvent(data) ? data : null;
    setEntries((list) =>
      [
        {
          n: (list[0]?.n ?? 0) + 1,
          at: new Date().toISOString(),
          type,
          botId: bot?.botId ?? null,
          accountId: bot?.accountId ?? null,
          status: bot?.status ?? null,
          error: bot?.error ?? null,
        },
        ...list,
      ].slice(0, feedCap),
    );
  });
  return (
    <Section
      id="overview-feed-heading"
      title={t("adminOverview.feedTitle")}
      text={t("adminOverview.feedText")}
      testId="overview-feed"
      aside={<FeedBadge state={feed.state} testId="overview-feed-state" />}
    >
      {feed.state === "failed" && feed.error ? <ProblemAlert error={feed.error} heading={t("adminOverview.feedFailed")} testId="overview-feed-error" /> : null}
      {entries.length === 0 ? (
        <Empty title={t("adminOverview.feedEmptyTitle")} text={t("adminOverview.feedEmpty")} testId="overview-feed-empty" />
      ) : (
        <ul className="rx-event-list" aria-labelledby="overview-feed-heading" aria-live="polite" data-testid="overview-feed-list">
          {entries.map((e) => (
            <li key={e.n} data-testid="overview-event" data-type={e.type}>
              <Stack gap={2}>
                <Text size="sm" className="rx-break">
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                  {" · "}
                  {e.botId ? (
                    <>
                      {t("adminOverview.botEvent", { bot: e.botId.slice(0, 8), status: "" })}
                      <StatusBadge color={botStatusColors[e.status ?? ""] ?? "gray"}>{statusLabel(e.status ?? "")}</StatusBadge>
                      <Text span size="xs" c="dimmed">
                        {" · "}
                        {t("adminOverview.botAccount", { account: (e.accountId ?? "").slice(0, 8) })}
                      </Text>
                    </>
                  ) : (
                    <span className="rx-mono">{e.type}</span>
                  )}
                </Text>
                {e.error ? (
                  <Text size="xs" c="red.8" className="rx-break">
                    {e.error}
                  </Text>
                ) : null}
              </Stack>
            </li>
          ))}
        </ul>
      )}
      <Anchor component={Link} href="/admin/bots" size="sm">
        {t("adminOverview.openBots")}
      </Anchor>
    </Section>
  );
}

function chartDays(days: readonly string[], data: readonly OverviewDay[], values: (d: OverviewDay) => Record<string, number>): ChartDay[] {
  const byDay = new Map(data.map((d) => [d.day, d]));
  return days.map((day) => {
    const found = byDay.get(day);
    return { day, values: found ? values(found) : {} };
  });
}

/** Platform admins: totals, per-day charts and the live feed. */
export function AdminOverviewPage() {
  const { t } = useAdminT();
  const number = useNumber();
  const [days, setDays] = useState<RangeDays>(30);
  const range = lastDays(days);
  const overview = useQuery(overviewOptions(range));
  const data = overview.data;
  const allDays = eachDay(data ? { from: data.from, to: data.to } : range);
  const money = (value: number) => formatMoney(value.toFixed(6), data?.currency);
  const chart = (testId: string, title: string, series: ChartSeries[], values: (d: OverviewDay) => Record<string, number>, format?: (v: number) => string) => (
    <Section id={`${testId}-heading`} title={title} testId={`${testId}-section`}>
      <DailyChart
        days={chartDays(allDays, data?.days ?? [], values)}
        series={series}
        caption={title}
        testId={testId}
        totalLabel={t("adminCommon.total")}
        dayLabel={t("adminCommon.day")}
        {...(format ? { format } : {})}
      />
    </Section>
  );
  const totals = data
    ? [
        { key: "accounts", label: t("adminOverview.accounts"), value: number(data.totals.accounts) },
        { key: "users", label: t("adminOverview.users"), value: number(data.totals.users) },
        { key: "dialogs", label: t("adminOverview.dialogs"), value: number(data.totals.dialogs) },
        { key: "messages", label: t("adminOverview.messages"), value: number(data.totals.messages) },
        { key: "tokens-in", label: t("adminOverview.tokensIn"), value: number(data.totals.promptTokens) },
        { key: "tokens-out", label: t("adminOverview.tokensOut"), value: number(data.totals.completionTokens) },
        { key: "revenue", label: t("adminOverview.revenue"), value: formatMoney(data.totals.revenue, data.currency) },
        { key: "spend", label: t("adminOverview.spend"), value: formatMoney(data.totals.spend, data.currency) },
      ]
    : [];

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-overview">
      <PageHead
        title={t("adminOverview.title")}
        tagline={t("adminOverview.tagline")}
        aside={<RangeSwitch value={days} onChange={setDays} testId="overview-range" />}
      />
      {overview.isPending ? (
        <Loading rows={4} height={64} testId="overview-loading" />
      ) : !data ? (
        <LoadFailed error={overview.error} heading={t("adminOverview.loadFailed")} onRetry={() => void overview.refetch()} testId="overview-error" />
      ) : (
        <>
          <Section id="overview-totals-heading" title={t("adminOverview.totalsTitle")} text={t("adminOverview.totalsText")} testId="overview-totals">
            <dl className="rx-stats">
              {totals.map((item) => (
                <div key={item.key} className="rx-stat" data-testid={`overview-total-${item.key}`}>
                  <dt>{item.label}</dt>
                  <dd>{item.value}</dd>
                </div>
              ))}
            </dl>
          </Section>
          <div className="rx-charts">
            {chart(
              "overview-messages",
              t("adminOverview.messagesTitle"),
              [
                { key: "customer", label: t("adminOverview.customer") },
                { key: "ai", label: t("adminOverview.ai") },
                { key: "operator", label: t("adminOverview.operator") },
              ],
              (d) => ({ customer: d.customerMessages, ai: d.aiReplies, operator: d.operatorMessages }),
            )}
            {chart(
              "overview-growth",
              t("adminOverview.growthTitle"),
              [
                { key: "accounts", label: t("adminOverview.newAccounts") },
                { key: "users", label: t("adminOverview.newUsers") },
              ],
              (d) => ({ accounts: d.newAccounts, users: d.newUsers }),
            )}
            {chart(
              "overview-tokens",
              t("adminOverview.tokensTitle"),
              [
                { key: "prompt", label: t("adminOverview.prompt") },
                { key: "completion", label: t("adminOverview.completion") },
              ],
              (d) => ({ prompt: d.promptTokens, completion: d.completionTokens }),
            )}
            {chart(
              "overview-revenue",
              t("adminOverview.revenueTitle"),
              [{ key: "revenue", label: t("adminOverview.revenue") }],
              (d) => ({ revenue: Number(d.revenue) }),
              money,
            )}
          </div>
        </>
      )}
      <LiveEvents />
    </Stack>
  );
}

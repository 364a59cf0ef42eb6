import { Stack, Table, Text } from "@mantine/core";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { isBotStatusEvent } from "../admin/api";
import { useAdminT } from "../admin/i18n";
import { Empty, FeedBadge, LoadFailed, LoadMore, Loading, PageHead, StatusBadge, useNumber } from "../admin/parts";
import { adminKeys, botsOptions } from "../admin/queries";
import { useAdminFeed } from "../admin/useAdminFeed";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { botStatusColors } from "./AdminOverviewPage";

/** Platform admins: every bot with its status, silo and counters; live through polling and the admins' feed. */
export function AdminBotsPage() {
  const { t } = useAdminT();
  const number = useNumber();
  const client = useQueryClient();
  const bots = useInfiniteQuery(botsOptions);
  const feed = useAdminFeed(
    (type, data) => {
      if (type === "bot.status" && isBotStatusEvent(data)) void client.invalidateQueries({ queryKey: adminKeys.bots });
    },
    () => void client.invalidateQueries({ queryKey: adminKeys.bots }),
  );
  const list = bots.data?.pages.flatMap((p) => p.items) ?? [];
  const statusLabel = (status: string) =>
    status === "running" || status === "starting" || status === "stopped" || status === "failed" ? t(`adminBots.statuses.${status}`) : status;

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-bots">
      <PageHead title={t("adminBots.title")} tagline={t("adminBots.tagline")} />
      <Section
        id="bots-list-heading"
        title={t("adminBots.listTitle")}
        text={t("adminBots.liveHint")}
        testId="bots-list-section"
        aside={<FeedBadge state={feed.state} testId="bots-feed-state" />}
      >
        {bots.isPending ? (
          <Loading testId="bots-loading" />
        ) : !bots.data ? (
          <LoadFailed error={bots.error} heading={t("adminBots.loadFailed")} onRetry={() => void bots.refetch()} testId="bots-error" />
        ) : list.length === 0 ? (
          <Empty title={t("adminBots.emptyTitle")} text={t("adminBots.empty")} testId="bots-empty" />
        ) : (
          <>
            {bots.error ? <ProblemAlert error={bots.error} heading={t("adminBots.loadFailed")} testId="bots-refresh-error" /> : null}
            <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="bots-list-heading" data-testid="bots-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("adminBots.bot")}</Table.Th>
                  <Table.Th scope="col">{t("adminBots.status")}</Table.Th>
                  <Table.Th scope="col">{t("adminBots.account")}</Table.Th>
                  <Table.Th scope="col">{t("adminBots.silo")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("adminBots.updatesIn")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("adminBots.repliesOut")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("adminBots.rateLimited")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("adminBots.queue")}</Table.Th>
                  <Table.Th scope="col">{t("adminBots.lastError")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((bot) => (
                  <Table.Tr key={bot.id} data-testid="bot-row" data-bot-id={bot.id} data-status={bot.status}>
                    <Table.Td data-label={t("adminBots.bot")}>
                      <Text size="sm" fw={600} className="rx-break">
                        @{bot.username}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.status")}>
                      <StatusBadge color={botStatusColors[bot.status] ?? "gray"} testId="bot-status">
                        {statusLabel(bot.status)}
                      </StatusBadge>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.account")}>
                      <Text size="xs" className="rx-mono rx-break">
                        {bot.accountId}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.silo")}>
                      <Text size="xs" className="rx-mono rx-break">
                        {bot.silo || t("adminCommon.none")}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.updatesIn")} className="rx-num">
                      <Text size="sm">{number(bot.updatesIn)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.repliesOut")} className="rx-num">
                      <Text size="sm">{number(bot.repliesOut)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.rateLimited")} className="rx-num">
                      <Text size="sm">{number(bot.rateLimited)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.queue")} className="rx-num">
                      <Text size="sm">{number(bot.queueLength)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminBots.lastError")}>
                      <Text size="xs" c={bot.lastError ? "red.8" : "dimmed"} className="rx-break">
                        {bot.lastError ?? t("adminCommon.none")}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <LoadMore list={bots} testId="bots-more" />
          </>
        )}
      </Section>
    </Stack>
  );
}

import { Alert, Badge, Checkbox, Group, Select, Stack, Tabs, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { DialogFilters } from "../api/dialogs";
import { channels, dialogStatuses, type Channel, type DialogStatus } from "../api/types";
import { useUser } from "../auth/AuthContext";
import { useOwnerAvailable } from "../desk/availability";
import { DeskPresence } from "../desk/DeskPresence";
import { DialogList } from "../desk/DialogList";
import { DialogPane } from "../desk/DialogPane";
import { deskOptions, dialogListOptions, offeredTo } from "../desk/queries";
import { useAccountFeed, type FeedState } from "../desk/useAccountFeed";
import { dialogPath, navigate, useLocation } from "../router";

const tabs = ["queue", "mine", "all"] as const;
type Tab = (typeof tabs)[number];

function parseTab(value: string | null): Tab {
  return tabs.find((t) => t === value) ?? "queue";
}

function parseStatus(value: string | null): DialogStatus | undefined {
  return dialogStatuses.find((s) => s === value);
}

function parseChannel(value: string | null): Channel | undefined {
  return channels.find((c) => c === value);
}

function FeedIndicator({ feed }: { feed: FeedState }) {
  const { t } = useTranslation();
  const color = feed.state === "open" ? "green" : feed.state === "failed" ? "red" : "yellow";
  const label = t(`desk.feed.${feed.state}`);
  return (
    <Tooltip label={feed.error ? `${label}: ${feed.error.title}` : label}>
      <span className="rx-feed" data-state={feed.state} data-testid="feed-state" role="status" aria-label={label}>
        <span className="rx-feed-dot" data-color={color} aria-hidden="true" />
        <Text span size="xs" c="dimmed" className="rx-hide-phone">
          {label}
        </Text>
      </span>
    </Tooltip>
  );
}

function CountBadge({ filters, testId }: { filters: DialogFilters; testId: string }) {
  const list = useInfiniteQuery(dialogListOptions(filters));
  const first = list.data?.pages[0];
  if (!first || first.items.length === 0) return null;
  return (
    <Badge size="xs" circle={first.items.length < 10} variant="filled" color="orange" data-testid={testId}>
      {first.items.length}
      {first.nextCursor ? "+" : ""}
    </Badge>
  );
}

function AllFilters({ search, update }: { search: URLSearchParams; update: (changes: Record<string, string | null>) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(search.get("q") ?? "");
  const [debounced] = useDebouncedValue(text, 350);
  const current = search.get("q") ?? "";
  useEffect(() => {
    if (debounced.trim() !== current) update({ q: debounced.trim() || null });
  }, [debounced, current, update]);

  return (
    <Stack gap="xs" p="sm" className="rx-filters" role="search" aria-label={t("desk.filters.label")}>
      <TextInput
        type="search"
        label={t("desk.filters.search")}
        placeholder={t("desk.filters.searchPlaceholder")}
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        size="xs"
        data-testid="filter-search"
      />
      <Group gap="xs" grow>
        <Select
          label={t("desk.filters.status")}
          size="xs"
          value={search.get("status") ?? ""}
          onChange={(value) => update({ status: value === "" ? null : value })}
          data={[{ value: "", label: t("desk.filters.any") }, ...dialogStatuses.map((s) => ({ value: s, label: t(`dialogStatus.${s}`) }))]}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          data-testid="filter-status"
        />
        <Select
          label={t("desk.filters.channel")}
          size="xs"
          value={search.get("channel") ?? ""}
          onChange={(value) => update({ channel: value === "" ? null : value })}
          data={[{ value: "", label: t("desk.filters.any") }, ...channels.map((c) => ({ value: c, label: t(`channel.${c}`) }))]}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          data-testid="filter-channel"
        />
      </Group>
      <Checkbox
        size="xs"
        label={t("desk.filters.unanswered")}
        checked={search.get("unanswered") === "true"}
        onChange={(event) => update({ unanswered: event.currentTarget.checked ? "true" : null })}
        data-testid="filter-unanswered"
      />
    </Stack>
  );
}

export function DeskPage({ dialogId }: { dialogId: string | null }) {
  const { t } = useTranslation();
  const user = useUser();
  const location = useLocation();
  const search = location.search;
  const tab = parseTab(search.get("tab"));
  const searchText = search.toString();

  const hrefFor = useCallback((id: string) => dialogPath(id, new URLSearchParams(searchText)), [searchText]);
  const openDialog = useCallback((id: string) => navigate(hrefFor(id)), [hrefFor]);
  const update = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(searchText);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) next.delete(key);
        else next.set(key, value);
      }
      const query = next.toString();
      navigate(`${window.location.pathname}${query ? `?${query}` : ""}`, { replace: true });
    },
    [searchText],
  );
  const backToList = useCallback(() => {
    navigate(`/${searchText ? `?${searchText}` : ""}`);
  }, [searchText]);

  const ownerAvailable = useOwnerAvailable();
  const feed = useAccountFeed(openDialog, user.account !== null, user.id, user.role === "owner" && ownerAvailable);
  const desk = useQuery({ ...deskOptions, enabled: user.account !== null });
  const offers = offeredTo(desk.data, user.id);

  if (!user.account) {
    return (
      <Stack p="xl" maw={640} mx="auto">
        <Title order={1} size="h2">
          {t("desk.title")}
        </Title>
        <Alert color="blue" title={t("desk.noAccountTitle")}>
          {t("desk.noAccount")}
        </Alert>
      </Stack>
    );
  }

  const queueFilters: DialogFilters = { status: "waiting" };
  const mineFilters: DialogFilters = { status: "operator", operatorId: user.id };
  const allFilters: DialogFilters = {
    status: parseStatus(search.get("status")),
    channel: parseChannel(search.get("channel")),
    q: search.get("q") ?? undefined,
    unanswered: search.get("unanswered") === "true" ? true : undefined,
  };

  const emptyText: Record<Tab, { title: string; text: string }> = {
    queue: { title: t("desk.empty.queueTitle"), text: t("desk.empty.queue") },
    mine: { title: t("desk.empty.mineTitle"), text: t("desk.empty.mine") },
    all: { title: t("desk.empty.allTitle"), text: t("desk.empty.all") },
  };
  const empty = (
    <Stack gap={4} align="center" ta="center">
      <Text fw={600}>{emptyText[tab].title}</Text>
      <Text size="sm" c="dimmed">
        {emptyText[tab].text}
      </Text>
    </Stack>
  );

  return (
    <div className="rx-desk" data-view={dialogId ? "dialog" : "list"} data-testid="desk">
      <section className="rx-desk-list" aria-labelledby="desk-title">
        <Group justify="space-between" px="sm" pt="sm" wrap="nowrap">
          <Title order={1} size="h4" id="desk-title">
            {t("desk.title")}
          </Title>
          <FeedIndicator feed={feed} />
        </Group>
        <Tabs
          value={tab}
          onChange={(value) => update({ tab: value === "queue" ? null : value })}
          keepMounted={false}
          className="rx-tabs"
        >
          <Tabs.List grow aria-label={t("desk.tabsLabel")}>
            <Tabs.Tab value="queue" data-testid="tab-queue" rightSection={<CountBadge filters={queueFilters} testId="queue-count" />}>
              {t("desk.tabs.queue")}
            </Tabs.Tab>
            <Tabs.Tab value="mine" data-testid="tab-mine">
              {t("desk.tabs.mine")}
            </Tabs.Tab>
            <Tabs.Tab value="all" data-testid="tab-all">
              {t("desk.tabs.all")}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="queue" className="rx-tab-panel">
            <DialogList filters={queueFilters} selectedId={dialogId} hrefFor={hrefFor} empty={empty} offers={offers} offersFirst />
          </Tabs.Panel>
          <Tabs.Panel value="mine" className="rx-tab-panel">
            <DialogList filters={mineFilters} selectedId={dialogId} hrefFor={hrefFor} empty={empty} />
          </Tabs.Panel>
          <Tabs.Panel value="all" className="rx-tab-panel">
            <AllFilters search={search} update={update} />
            <DialogList filters={allFilters} selectedId={dialogId} hrefFor={hrefFor} empty={empty} offers={offers} />
          </Tabs.Panel>
        </Tabs>
        <DeskPresence user={user} />
      </section>
      <section className="rx-desk-dialog" aria-label={t("desk.dialogPane")}>
        {dialogId ? (
          <DialogPane key={dialogId} dialogId={dialogId} onBack={backToList} />
        ) : (
          <div className="rx-empty rx-empty-pane" data-testid="no-dialog-selected">
            <Text fw={600}>{t("desk.empty.noSelectionTitle")}</Text>
            <Text size="sm" c="dimmed" maw={420}>
              {t("desk.empty.noSelection")}
            </Text>
          </div>
        )}
      </section>
    </div>
  );
}

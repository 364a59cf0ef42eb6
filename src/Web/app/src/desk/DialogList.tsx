import { Alert, Badge, Button, Group, Skeleton, Stack, Text } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { DialogFilters } from "../api/dialogs";
import { errorText } from "../api/errors";
import type { DialogSummary } from "../api/types";
import { useUser } from "../auth/AuthContext";
import { formatRelative } from "../format";
import { Link } from "../router";
import { ChannelBadge, StatusBadge, useAuthorLabel } from "./labels";
import { dialogListOptions } from "./queries";

interface Props {
  filters: DialogFilters;
  selectedId: string | null;
  hrefFor: (id: string) => string;
  empty: ReactNode;
  /** Waiting dialogs the desk offers to this operator: marked, and with offersFirst before the others. */
  offers?: ReadonlySet<string>;
  offersFirst?: boolean;
}

interface ItemProps {
  dialog: DialogSummary;
  selected: boolean;
  href: string;
  now: number;
  offered: boolean;
}

function DialogItem({ dialog, selected, href, now, offered }: ItemProps) {
  const { t } = useTranslation();
  const user = useUser();
  const authorLabel = useAuthorLabel();
  const last = dialog.lastMessage;
  return (
    <li>
      <Link
        href={href}
        className="rx-dialog-item"
        aria-current={selected ? "true" : undefined}
        data-testid="dialog-item"
        data-dialog-id={dialog.id}
        data-offered={offered ? "me" : undefined}
      >
        {offered ? (
          <Badge color="blue" variant="filled" size="sm" mb={6} data-testid="offered-to-me">
            {t("desk.offeredToYou")}
          </Badge>
        ) : null}
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Group gap={6} wrap="nowrap">
            <StatusBadge status={dialog.status} />
            <ChannelBadge channel={dialog.channel} />
            {dialog.status === "operator" && dialog.operatorId === user.id ? (
              <Text size="xs" c="green" fw={600}>
                {t("desk.mine")}
              </Text>
            ) : null}
          </Group>
          <Text size="xs" c="dimmed" component="time" dateTime={dialog.updatedAt} className="rx-nowrap">
            {formatRelative(dialog.updatedAt, now)}
          </Text>
        </Group>
        <Text size="sm" lineClamp={2} mt={4} c={last ? undefined : "dimmed"}>
          {last ? (
            <>
              <Text span fw={600} size="sm">
                {authorLabel(last.author, last.operatorId, user.id)}:
              </Text>{" "}
              {last.text}
            </>
          ) : (
            t("desk.noMessagesYet")
          )}
        </Text>
        {dialog.origin ? (
          <Text size="xs" c="dimmed" truncate mt={2}>
            {dialog.origin}
          </Text>
        ) : null}
      </Link>
    </li>
  );
}

const none: ReadonlySet<string> = new Set();

export function DialogList({ filters, selectedId, hrefFor, empty, offers = none, offersFirst = false }: Props) {
  const { t } = useTranslation();
  const list = useInfiniteQuery(dialogListOptions(filters));
  // "5 min ago" moves on by itself.
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);

  if (list.isPending) {
    return (
      <Stack gap="xs" p="sm" aria-busy="true" aria-label={t("app.loading")} data-testid="dialog-list-loading">
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} height={64} radius="md" />
        ))}
      </Stack>
    );
  }
  if (!list.data) {
    return (
      <Alert color="red" m="sm" title={t("desk.listFailed")} data-testid="dialog-list-error">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{errorText(list.error)}</Text>
          <Button size="xs" variant="light" onClick={() => void list.refetch()}>
            {t("app.retry")}
          </Button>
        </Stack>
      </Alert>
    );
  }
  const dialogs = list.data.pages.flatMap((page) => page.items);
  const unique = [...new Map(dialogs.map((d) => [d.id, d])).values()];
  const isOffered = (dialog: DialogSummary) => dialog.status === "waiting" && offers.has(dialog.id);
  // A stable sort: the offered ones first, each group in the server's order.
  if (offersFirst && offers.size > 0) unique.sort((a, b) => Number(isOffered(b)) - Number(isOffered(a)));
  if (unique.length === 0) {
    return (
      <div className="rx-empty" data-testid="dialog-list-empty">
        {empty}
      </div>
    );
  }
  return (
    <div>
      <ul className="rx-dialog-list" data-testid="dialog-list" aria-busy={list.isFetching ? "true" : "false"}>
        {unique.map((dialog) => (
          <DialogItem
            key={dialog.id}
            dialog={dialog}
            selected={dialog.id === selectedId}
            href={hrefFor(dialog.id)}
            now={now}
            offered={isOffered(dialog)}
          />
        ))}
      </ul>
      {list.hasNextPage ? (
        <Group justify="center" p="sm">
          <Button
            variant="light"
            size="sm"
            loading={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
            data-testid="load-more"
          >
            {t("desk.loadMore")}
          </Button>
        </Group>
      ) : null}
      {list.isError ? (
        <Text size="sm" c="red" ta="center" pb="sm" role="alert">
          {errorText(list.error)}
        </Text>
      ) : null}
    </div>
  );
}

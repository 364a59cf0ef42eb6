import { Badge, Button, Group, Select, Skeleton, Stack, Table, Text, TextInput } from "@mantine/core";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { billingServices, downloadTransactionsCsv, ledgerKinds, type LedgerEntry, type LedgerFilter } from "../api/billing";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatDateTime } from "../format";
import { isKind, isService, useBillingLabels } from "./labels";
import { formatMoney, formatSignedMoney } from "./money";
import { transactionsOptions } from "./queries";

const kindColors: Record<string, string> = {
  charge: "gray",
  topup: "green",
  refund: "orange",
  promo: "violet",
  referral: "cyan",
  welcome: "blue",
  adjustment: "yellow",
};

/** A local calendar day ("2026-12-03") as the instant it starts; `end` gives the next day's start (the API's `to` is exclusive). */
function dayStart(day: string, end = false): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + (end ? 1 : 0)).toISOString();
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Chromium reads the blob after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Details({ entry }: { entry: LedgerEntry }) {
  const labels = useBillingLabels();
  const parts = [entry.service ? labels.service(entry.service) : null, entry.reason, entry.reference].filter((p): p is string => Boolean(p));
  return (
    <Text size="xs" c="dimmed" className="rx-break">
      {parts.join(" · ") || "—"}
    </Text>
  );
}

/** The ledger, newest first, with filters, keyset "load more" paging and a CSV export of the filtered whole. */
export function TransactionHistory() {
  const { t } = useTranslation();
  const labels = useBillingLabels();
  const [kind, setKind] = useState<string | null>(null);
  const [service, setService] = useState<string | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const fromIso = dayStart(from);
  const toIso = dayStart(to, true);
  const filter: LedgerFilter = { kind: isKind(kind) ? kind : null, service: isService(service) ? service : null, from: fromIso, to: toIso };
  const badRange = fromIso !== null && toIso !== null && Date.parse(toIso) <= Date.parse(fromIso);
  const history = useInfiniteQuery({ ...transactionsOptions(filter), enabled: !badRange });
  const csv = useMutation({
    mutationFn: () => downloadTransactionsCsv(filter),
    onSuccess: (blob) => saveBlob(blob, "transactions.csv"),
  });
  const entries = history.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = filter.kind !== null || filter.service !== null || fromIso !== null || toIso !== null;

  return (
    <Stack gap="md">
      <div role="group" aria-label={t("history.filters")} className="rx-history-filters" data-testid="history-filters">
        <Select
          label={t("history.kind")}
          data={[{ value: "", label: t("history.any") }, ...ledgerKinds.map((k) => ({ value: k, label: labels.kind(k) }))]}
          value={kind ?? ""}
          onChange={(value) => setKind(value === "" ? null : value)}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          data-testid="history-kind"
        />
        <Select
          label={t("history.service")}
          data={[{ value: "", label: t("history.any") }, ...billingServices.map((s) => ({ value: s, label: labels.service(s) }))]}
          value={service ?? ""}
          onChange={(value) => setService(value === "" ? null : value)}
          allowDeselect={false}
          data-testid="history-service"
        />
        <TextInput type="date" label={t("history.from")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="history-from" />
        <TextInput
          type="date"
          label={t("history.to")}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          error={badRange ? t("history.badRange") : undefined}
          data-testid="history-to"
        />
      </div>
      <Group gap="xs" justify="space-between" wrap="wrap">
        <Text size="xs" c="dimmed">
          {t("history.csvHint")}
        </Text>
        <Group gap="xs">
          {filtered ? (
            <Button size="xs" variant="subtle" color="gray" onClick={() => { setKind(null); setService(null); setFrom(""); setTo(""); }} data-testid="history-clear">
              {t("history.clear")}
            </Button>
          ) : null}
          <Button size="xs" variant="light" onClick={() => csv.mutate()} loading={csv.isPending} disabled={badRange} data-testid="history-csv">
            {t("history.csv")}
          </Button>
        </Group>
      </Group>
      {csv.error ? <ProblemAlert error={csv.error} heading={t("history.csvFailed")} onClose={() => csv.reset()} testId="history-csv-error" /> : null}
      {badRange ? null : history.isPending ? (
        <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")} data-testid="history-loading">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} height={36} radius="sm" />
          ))}
        </Stack>
      ) : !history.data ? (
        <ProblemAlert error={history.error} heading={t("history.loadFailed")} testId="history-error">
          <Group mt={4}>
            <Button size="xs" variant="light" color="red" onClick={() => void history.refetch()}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      ) : entries.length === 0 ? (
        <div className="rx-empty rx-doc-empty" data-testid="history-empty">
          <Text fw={600}>{filtered ? t("history.emptyFilteredTitle") : t("history.emptyTitle")}</Text>
          <Text size="sm" c="dimmed" maw={520}>
            {filtered ? t("history.emptyFiltered") : t("history.empty")}
          </Text>
        </div>
      ) : (
        <>
          <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="history-heading" data-testid="history-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("history.at")}</Table.Th>
                <Table.Th scope="col">{t("history.kind")}</Table.Th>
                <Table.Th scope="col" className="rx-num">{t("history.amount")}</Table.Th>
                <Table.Th scope="col" className="rx-num">{t("history.balanceAfter")}</Table.Th>
                <Table.Th scope="col">{t("history.details")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry) => (
                <Table.Tr key={entry.id} data-testid="history-row" data-kind={entry.kind} data-amount={entry.amount}>
                  <Table.Td data-label={t("history.at")}>
                    <Text size="sm" className="rx-nowrap">
                      <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                    </Text>
                  </Table.Td>
                  <Table.Td data-label={t("history.kind")}>
                    <Badge variant="light" color={kindColors[entry.kind] ?? "gray"} size="sm">
                      {labels.kind(entry.kind)}
                    </Badge>
                  </Table.Td>
                  <Table.Td data-label={t("history.amount")} className="rx-num">
                    <Text size="sm" fw={600} c={Number(entry.amount) < 0 ? undefined : "green"} className="rx-nowrap" data-testid="history-amount">
                      {formatSignedMoney(entry.amount)}
                    </Text>
                  </Table.Td>
                  <Table.Td data-label={t("history.balanceAfter")} className="rx-num">
                    <Text size="sm" className="rx-nowrap">
                      {formatMoney(entry.balanceAfter)}
                    </Text>
                  </Table.Td>
                  <Table.Td data-label={t("history.details")}>
                    <Details entry={entry} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {history.error ? <ProblemAlert error={history.error} heading={t("history.loadFailed")} testId="history-more-error" /> : null}
          {history.hasNextPage ? (
            <Group justify="center">
              <Button variant="light" onClick={() => void history.fetchNextPage()} loading={history.isFetchingNextPage} data-testid="history-more">
                {t("history.more")}
              </Button>
            </Group>
          ) : null}
        </>
      )}
    </Stack>
  );
}

import { Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ReactNode } from "react";
import { billingServices, type Price } from "../api/billing";
import { formatDateTime } from "../format";
import { useBillingLabels } from "./labels";
import { formatMoney } from "./money";

function order(service: string): number {
  const index = (billingServices as readonly string[]).indexOf(service);
  return index < 0 ? billingServices.length : index;
}

export function sortPrices(prices: readonly Price[]): Price[] {
  return [...prices].sort((a, b) => order(a.service) - order(b.service) || (a.model ?? "").localeCompare(b.model ?? "")
    || Date.parse(b.effectiveFrom) - Date.parse(a.effectiveFrom));
}

/** Prices per service (and model, where one has its own), what one unit costs. */
export function PriceTable({ prices, labelledBy, extra, testId }: {
  prices: readonly Price[];
  labelledBy: string;
  /** A last column of the caller's (the admin's price state). */
  extra?: { header: string; cell: (price: Price) => ReactNode };
  testId: string;
}) {
  const { t } = useTranslation();
  const labels = useBillingLabels();
  return (
    <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby={labelledBy} data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("prices.service")}</Table.Th>
          <Table.Th scope="col">{t("prices.model")}</Table.Th>
          <Table.Th scope="col" className="rx-num">{t("prices.price")}</Table.Th>
          <Table.Th scope="col">{t("prices.since")}</Table.Th>
          {extra ? <Table.Th scope="col">{extra.header}</Table.Th> : null}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sortPrices(prices).map((price) => (
          <Table.Tr key={`${price.service}/${price.model ?? ""}/${price.effectiveFrom}`} data-testid="price-row" data-service={price.service}>
            <Table.Td data-label={t("prices.service")}>
              <Text size="sm" fw={500}>
                {labels.service(price.service)}
              </Text>
            </Table.Td>
            <Table.Td data-label={t("prices.model")}>
              <Text size="sm" c={price.model ? undefined : "dimmed"} className="rx-break">
                {price.model ?? t("prices.anyModel")}
              </Text>
            </Table.Td>
            <Table.Td data-label={t("prices.price")} className="rx-num">
              <Text size="sm" className="rx-nowrap" data-testid="price-value">
                {t("prices.per", { price: formatMoney(price.price), unit: labels.unit(price.unit) })}
              </Text>
            </Table.Td>
            <Table.Td data-label={t("prices.since")}>
              <Text size="sm" className="rx-nowrap">
                {/* The built-in prices apply from the epoch: "from the start" says it better than 1970. */}
                {Date.parse(price.effectiveFrom) <= 0 ? t("prices.always") : <time dateTime={price.effectiveFrom}>{formatDateTime(price.effectiveFrom)}</time>}
              </Text>
            </Table.Td>
            {extra ? <Table.Td data-label={extra.header}>{extra.cell(price)}</Table.Td> : null}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

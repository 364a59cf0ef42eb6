import { Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { billingServices, type SpendRow } from "../api/billing";
import { currentLanguage } from "../i18n";
import { useBillingLabels } from "./labels";
import { formatMoney, toMicro } from "./money";

/** The days GET /api/balance/spend covers by default: the last 30, in UTC, today included. */
export const spendDays = 30;

interface Day {
  day: string;
  total: number;
  /** Micro-roubles per service, in the services' order. */
  parts: { service: string; micro: number; amount: string; count: number }[];
}

function utcDays(count: number, today: Date = new Date()): string[] {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function serviceOrder(service: string): number {
  const index = (billingServices as readonly string[]).indexOf(service);
  return index < 0 ? billingServices.length : index;
}

export function buildDays(rows: readonly SpendRow[], count = spendDays): Day[] {
  const days = utcDays(count);
  // Days the server has but the local list lacks (its clock and ours differ) are kept too.
  for (const row of rows) if (!days.includes(row.day)) days.push(row.day);
  days.sort();
  return days.map((day) => {
    const parts = rows
      .filter((r) => r.day === day)
      .map((r) => ({ service: r.service, micro: Math.abs(toMicro(r.amount)), amount: r.amount, count: r.count }))
      .sort((a, b) => serviceOrder(a.service) - serviceOrder(b.service));
    return { day, total: parts.reduce((sum, p) => sum + p.micro, 0), parts };
  });
}

function formatDay(day: string, options: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" }): string {
  return new Intl.DateTimeFormat(currentLanguage(), { ...options, timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

const microToAmount = (micro: number) => (micro / 1_000_000).toFixed(6);

/**
 * Spending per day and service as stacked bars: an SVG for the eye (each bar has a tooltip title) and a
 * visually hidden table with the same numbers for screen readers.
 */
export function SpendChart({ rows }: { rows: readonly SpendRow[] }) {
  const { t } = useTranslation();
  const labels = useBillingLabels();
  const days = buildDays(rows);
  const max = Math.max(...days.map((d) => d.total), 1);
  const services = [...new Set(rows.map((r) => r.service))].sort((a, b) => serviceOrder(a) - serviceOrder(b));
  const totals = services.map((service) => {
    const own = rows.filter((r) => r.service === service);
    return { service, micro: own.reduce((sum, r) => sum + Math.abs(toMicro(r.amount)), 0), count: own.reduce((sum, r) => sum + r.count, 0) };
  });
  const total = totals.reduce((sum, s) => sum + s.micro, 0);
  const barWidth = 10;
  const gap = 4;
  const height = 120;
  const width = days.length * (barWidth + gap);
  const first = days[0]?.day ?? "";
  const last = days[days.length - 1]?.day ?? "";

  return (
    <figure className="rx-spend" data-testid="spend-chart">
      <figcaption className="rx-visually-hidden">{t("spend.caption", { from: formatDay(first), to: formatDay(last) })}</figcaption>
      <Group justify="space-between" gap="xs" align="baseline">
        <Text size="sm">
          {t("spend.total")}: <strong data-testid="spend-total">{formatMoney(microToAmount(total))}</strong>
        </Text>
        <Text size="xs" c="dimmed" aria-hidden="true">
          {t("spend.max", { amount: formatMoney(microToAmount(max)) })}
        </Text>
      </Group>
      <svg
        className="rx-spend-svg"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={t("spend.summary", { total: formatMoney(microToAmount(total)), from: formatDay(first), to: formatDay(last) })}
        focusable="false"
      >
        <line x1={0} y1={height - 0.5} x2={width} y2={height - 0.5} className="rx-spend-axis" />
        {days.map((day, i) => {
          let y = height;
          return (
            <g key={day.day}>
              <title>{`${formatDay(day.day)}: ${formatMoney(microToAmount(day.total))}`}</title>
              {day.parts.map((part) => {
                const h = (part.micro / max) * (height - 4);
                y -= h;
                return <rect key={part.service} x={i * (barWidth + gap) + gap / 2} y={y} width={barWidth} height={h} data-service={part.service} />;
              })}
            </g>
          );
        })}
      </svg>
      <Group justify="space-between" gap="xs" aria-hidden="true">
        <Text size="xs" c="dimmed">
          {formatDay(first)}
        </Text>
        <Text size="xs" c="dimmed">
          {formatDay(last)}
        </Text>
      </Group>
      <Stack gap={4} mt="xs">
        <ul className="rx-spend-legend" aria-label={t("spend.legend")}>
          {totals.map((s) => (
            <li key={s.service}>
              <span className="rx-spend-swatch" data-service={s.service} aria-hidden="true" />
              <Text span size="xs">
                {labels.service(s.service)}: {formatMoney(microToAmount(s.micro))} ({t("spend.count", { count: s.count })})
              </Text>
            </li>
          ))}
        </ul>
      </Stack>
      {/* Hidden by a wrapper: a table ignores the width that hides an element. */}
      <div className="rx-visually-hidden">
        <table data-testid="spend-table">
          <caption>{t("spend.tableCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("spend.day")}</th>
              {services.map((s) => (
                <th key={s} scope="col">
                  {labels.service(s)}
                </th>
              ))}
              <th scope="col">{t("spend.dayTotal")}</th>
            </tr>
          </thead>
          <tbody>
            {days
              .filter((d) => d.total > 0)
              .map((d) => (
                <tr key={d.day}>
                  <th scope="row">{formatDay(d.day, { dateStyle: "medium" })}</th>
                  {services.map((s) => {
                    const part = d.parts.find((p) => p.service === s);
                    return <td key={s}>{part ? formatMoney(part.amount.replace(/^-/, "")) : formatMoney("0")}</td>;
                  })}
                  <td>{formatMoney(microToAmount(d.total))}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

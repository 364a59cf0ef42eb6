import { Group, Text } from "@mantine/core";
import { currentLanguage } from "../i18n";

/** One stacked part of every bar: its key picks its colour (`data-series` 0–5 in styles.css), its label names it. */
export interface ChartSeries {
  key: string;
  label: string;
}

/** One UTC day (`YYYY-MM-DD`) and its value per series key. */
export interface ChartDay {
  day: string;
  values: Readonly<Record<string, number>>;
}

export function formatChartDay(day: string, options: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" }): string {
  return new Intl.DateTimeFormat(currentLanguage(), { ...options, timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/**
 * Values per day as stacked bars: an SVG for the eye (each bar's title gives its numbers) and a visually hidden
 * table with the same numbers for screen readers. `format` writes a value (a count, tokens, roubles).
 */
export function DailyChart({
  days,
  series,
  caption,
  testId,
  format = (value) => new Intl.NumberFormat(currentLanguage()).format(value),
  totalLabel,
  dayLabel,
}: {
  days: readonly ChartDay[];
  series: readonly ChartSeries[];
  /** Names the chart for screen readers and as the hidden table's caption. */
  caption: string;
  testId: string;
  format?: (value: number) => string;
  /** Shown before the range's total of all series. */
  totalLabel: string;
  /** The hidden table's first column heading ("Day"). */
  dayLabel: string;
}) {
  const total = (day: ChartDay) => series.reduce((sum, s) => sum + (day.values[s.key] ?? 0), 0);
  const max = Math.max(...days.map(total), 1);
  const sums = series.map((s) => ({ ...s, sum: days.reduce((acc, d) => acc + (d.values[s.key] ?? 0), 0) }));
  const grand = sums.reduce((acc, s) => acc + s.sum, 0);
  const barWidth = 10;
  const gap = 4;
  const height = 120;
  const width = Math.max(days.length, 1) * (barWidth + gap);
  const first = days[0]?.day;
  const last = days[days.length - 1]?.day;
  const range = first && last ? `${formatChartDay(first)} – ${formatChartDay(last)}` : "";

  return (
    <figure className="rx-chart" data-testid={testId}>
      <Group justify="space-between" gap="xs" align="baseline">
        <Text size="sm">
          {totalLabel}: <strong data-testid={`${testId}-total`}>{format(grand)}</strong>
        </Text>
        <Text size="xs" c="dimmed" aria-hidden="true">
          {range}
        </Text>
      </Group>
      <svg className="rx-chart-svg" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${caption}: ${range}`} focusable="false">
        <line x1={0} y1={height - 0.5} x2={width} y2={height - 0.5} className="rx-chart-axis" />
        {days.map((day, i) => {
          let y = height;
          return (
            <g key={day.day}>
              <title>{`${formatChartDay(day.day)}: ${series.map((s) => `${s.label} ${format(day.values[s.key] ?? 0)}`).join(", ")}`}</title>
              {series.map((s, index) => {
                const value = day.values[s.key] ?? 0;
                if (value <= 0) return null;
                const h = (value / max) * (height - 4);
                y -= h;
                return <rect key={s.key} x={i * (barWidth + gap) + gap / 2} y={y} width={barWidth} height={h} data-series={index % 6} />;
              })}
            </g>
          );
        })}
      </svg>
      <ul className="rx-chart-legend">
        {sums.map((s, index) => (
          <li key={s.key}>
            <span className="rx-chart-swatch" data-series={index % 6} aria-hidden="true" />
            <Text span size="xs">
              {s.label}: {format(s.sum)}
            </Text>
          </li>
        ))}
      </ul>
      {/* Hidden by a wrapper: a table ignores the width that hides an element. */}
      <div className="rx-visually-hidden">
        <table data-testid={`${testId}-table`}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{dayLabel}</th>
              {series.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days
              .filter((d) => total(d) > 0)
              .map((d) => (
                <tr key={d.day}>
                  <th scope="row">{formatChartDay(d.day, { dateStyle: "medium" })}</th>
                  {series.map((s) => (
                    <td key={s.key}>{format(d.values[s.key] ?? 0)}</td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

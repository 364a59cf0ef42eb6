import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { DocumentFormat, DocumentStatus } from "../api/types";
import { currentLanguage } from "../i18n";

export const documentStatusColors: Record<DocumentStatus, string> = {
  processing: "blue",
  ready: "green",
  failed: "red",
};

export function DocumentStatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={documentStatusColors[status]} variant="light" size="sm" data-testid="document-status" data-status={status}>
      {t(`documents.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

export function useFormatLabel(): (format: DocumentFormat) => string {
  const { t } = useTranslation();
  return (format) => t(`documents.formats.${format}`, { defaultValue: format.toUpperCase() });
}

const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

/** "812 bytes", "14.2 KB", "3.1 MB" in the page's language (binary multiples, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(currentLanguage(), {
    style: "unit",
    unit: units[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}

/** A score with three decimals; a dash where the retriever did not find the passage. */
export function formatScore(score: number | null): string {
  if (score === null) return "—";
  return new Intl.NumberFormat(currentLanguage(), { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(score);
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(currentLanguage(), { style: "percent", maximumFractionDigits: 0 }).format(Math.min(1, Math.max(0, fraction)));
}

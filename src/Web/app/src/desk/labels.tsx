import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Author, Channel, DialogStatus } from "../api/types";

export const statusColors: Record<DialogStatus, string> = {
  ai: "blue",
  waiting: "orange",
  operator: "green",
  closed: "gray",
};

export function StatusBadge({ status }: { status: DialogStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={statusColors[status]} variant="light" size="sm" data-testid="dialog-status" data-status={status}>
      {t(`dialogStatus.${status}`)}
    </Badge>
  );
}

export function ChannelBadge({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  return (
    <Badge color={channel === "telegram" ? "cyan" : "violet"} variant="outline" size="sm">
      {t(`channel.${channel}`)}
    </Badge>
  );
}

/** "Visitor", "AI assistant", "You" / "Operator", "System". */
export function useAuthorLabel(): (author: Author, operatorId: string | null, me: string) => string {
  const { t } = useTranslation();
  return (author, operatorId, me) => {
    if (author === "operator") return operatorId === me ? t("author.you") : t("author.operator");
    return t(`author.${author}`);
  };
}

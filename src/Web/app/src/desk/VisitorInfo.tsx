import { Rating, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { DialogSummary } from "../api/types";
import { formatDateTime } from "../format";
import { ChannelBadge, StatusBadge } from "./labels";

export function VisitorInfo({ dialog, me }: { dialog: DialogSummary; me: string }) {
  const { t } = useTranslation();
  const operator =
    dialog.operatorId === null ? t("info.nobody") : dialog.operatorId === me ? t("author.you") : t("info.otherOperator");
  return (
    <div data-testid="visitor-info">
      <Title order={2} size="h5" mb="xs">
        {t("info.title")}
      </Title>
      <dl className="rx-info-list">
        <dt>{t("info.channel")}</dt>
        <dd>
          <ChannelBadge channel={dialog.channel} />
        </dd>
        <dt>{t("info.status")}</dt>
        <dd>
          <StatusBadge status={dialog.status} />
        </dd>
        <dt>{t("info.operator")}</dt>
        <dd>{operator}</dd>
        <dt>{t("info.origin")}</dt>
        <dd className="rx-break">{dialog.origin ?? t("info.unknown")}</dd>
        <dt>{t("info.created")}</dt>
        <dd>
          <time dateTime={dialog.createdAt}>{formatDateTime(dialog.createdAt)}</time>
        </dd>
        <dt>{t("info.updated")}</dt>
        <dd>
          <time dateTime={dialog.updatedAt}>{formatDateTime(dialog.updatedAt)}</time>
        </dd>
        <dt>{t("info.rating")}</dt>
        <dd data-testid="visitor-rating">
          {dialog.rating ? (
            <>
              <Rating value={dialog.rating.score} readOnly size="sm" aria-label={t("info.ratingValue", { score: dialog.rating.score })} />
              {dialog.rating.comment ? (
                <Text size="sm" mt={4} className="rx-pre">
                  {dialog.rating.comment}
                </Text>
              ) : null}
            </>
          ) : (
            t("info.notRated")
          )}
        </dd>
        <dt>{t("info.dialogId")}</dt>
        <dd className="rx-break rx-mono">{dialog.id}</dd>
      </dl>
    </div>
  );
}

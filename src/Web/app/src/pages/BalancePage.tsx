import { Alert, Button, Group, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Balance } from "../api/billing";
import { LimitsForm } from "../billing/LimitsForm";
import { formatMoney, toMicro } from "../billing/money";
import { PriceTable } from "../billing/PriceList";
import { PromoBox } from "../billing/PromoBox";
import { balanceOptions, pricesOptions, spendOptions } from "../billing/queries";
import { ReferralCode } from "../billing/ReferralCode";
import { SpendChart, spendDays } from "../billing/SpendChart";
import { TopUpConfirmation, TopUpForm, useTopUpConfirmation } from "../billing/TopUp";
import { TransactionHistory } from "../billing/TransactionHistory";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";

function Figure({ label, value, testId, hint, tone }: { label: string; value: string; testId: string; hint?: string | undefined; tone?: "red" | undefined }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} c={tone} className="rx-break" data-testid={`${testId}-value`}>
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Paper>
  );
}

function Summary({ balance }: { balance: Balance }) {
  const { t } = useTranslation();
  const low = toMicro(balance.balance) < toMicro(balance.lowBalanceThreshold);
  return (
    <div className="rx-figures">
      <Figure
        label={t("balance.current")}
        value={formatMoney(balance.balance, balance.currency)}
        testId="balance-current"
        tone={toMicro(balance.balance) < 0 || low ? "red" : undefined}
        hint={low ? t("balance.belowThreshold", { threshold: formatMoney(balance.lowBalanceThreshold) }) : undefined}
      />
      <Figure label={t("balance.spentToday")} value={formatMoney(balance.spentToday, balance.currency)} testId="balance-spent" hint={t("balance.utcDay")} />
      <Figure
        label={t("balance.dailyCap")}
        value={balance.dailyCap === null ? t("balance.noCap") : formatMoney(balance.dailyCap, balance.currency)}
        testId="balance-cap"
      />
    </div>
  );
}

function Loading({ height = 48, testId }: { height?: number; testId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")} data-testid={testId}>
      <Skeleton height={height} radius="sm" />
      <Skeleton height={height} radius="sm" />
    </Stack>
  );
}

function SpendSection() {
  const { t } = useTranslation();
  const spend = useQuery(spendOptions);
  return (
    <Section id="spend-heading" title={t("spend.title")} text={t("spend.text", { days: spendDays })} testId="spend-section">
      {spend.isPending ? (
        <Loading height={120} testId="spend-loading" />
      ) : !spend.data ? (
        <ProblemAlert error={spend.error} heading={t("spend.loadFailed")} testId="spend-error" />
      ) : spend.data.length === 0 ? (
        <div className="rx-empty rx-doc-empty" data-testid="spend-empty">
          <Text fw={600}>{t("spend.emptyTitle")}</Text>
          <Text size="sm" c="dimmed" maw={520}>
            {t("spend.empty")}
          </Text>
        </div>
      ) : (
        <SpendChart rows={spend.data} />
      )}
    </Section>
  );
}

function PricesSection() {
  const { t } = useTranslation();
  const prices = useQuery(pricesOptions);
  return (
    <Section id="prices-heading" title={t("prices.title")} text={t("prices.text")} testId="prices-section">
      {prices.isPending ? (
        <Loading testId="prices-loading" />
      ) : !prices.data ? (
        <ProblemAlert error={prices.error} heading={t("prices.loadFailed")} testId="prices-error" />
      ) : prices.data.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="prices-empty">
          {t("prices.empty")}
        </Text>
      ) : (
        <PriceTable prices={prices.data} labelledBy="prices-heading" testId="prices-table" />
      )}
    </Section>
  );
}

/** The account's money (owners): balance and limits, top-ups, promo codes, spending, the ledger and the prices. */
export function BalancePage() {
  const { t } = useTranslation();
  const balance = useQuery(balanceOptions);
  const { confirmation, retry, dismiss } = useTopUpConfirmation();
  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="balance-page">
      <div>
        <Title order={1} size="h2">
          {t("balance.title")}
        </Title>
        <Text c="dimmed">{t("balance.tagline")}</Text>
      </div>
      {confirmation ? <TopUpConfirmation confirmation={confirmation} onRetry={retry} onDismiss={dismiss} /> : null}
      {balance.isPending ? (
        <Loading height={88} testId="balance-loading" />
      ) : !balance.data ? (
        <ProblemAlert error={balance.error} heading={t("balance.loadFailed")} testId="balance-error">
          <Group mt={4}>
            <Button size="xs" variant="light" color="red" onClick={() => void balance.refetch()}>
              {t("app.retry")}
            </Button>
          </Group>
        </ProblemAlert>
      ) : (
        <>
          {balance.data.billingEnabled ? null : (
            <Alert color="blue" title={t("balance.disabledTitle")} data-testid="billing-disabled">
              {t("balance.disabled")}
            </Alert>
          )}
          <Summary balance={balance.data} />
          <div className="rx-two-columns">
            <Section id="topup-heading" title={t("topUp.title")} text={t("topUp.text")} testId="topup-section">
              <TopUpForm balance={balance.data} />
            </Section>
            <Section id="promo-heading" title={t("promo.title")} text={t("promo.text")} testId="promo-section">
              <PromoBox />
            </Section>
          </div>
          <Section id="limits-heading" title={t("limits.title")} text={t("limits.text")} testId="limits-section">
            <LimitsForm key={`${balance.data.lowBalanceThreshold}/${balance.data.dailyCap ?? ""}`} balance={balance.data} />
          </Section>
        </>
      )}
      <SpendSection />
      <Section id="history-heading" title={t("history.title")} text={t("history.text")} testId="history-section">
        <TransactionHistory />
      </Section>
      <PricesSection />
      {balance.data ? (
        <Section id="referral-heading" title={t("referral.title")} testId="referral-section">
          <ReferralCode code={balance.data.referralCode} />
        </Section>
      ) : null}
    </Stack>
  );
}

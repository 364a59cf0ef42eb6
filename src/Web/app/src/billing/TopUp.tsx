import { Alert, Button, Group, Loader, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { listTransactions, startTopUp, type Balance } from "../api/billing";
import { ApiError } from "../api/errors";
import { uuid } from "../api/http";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatMoney, parseAmount } from "./money";
import { clearPendingTopUp, readPendingTopUp, savePendingTopUp, topUpReference, type PendingTopUp } from "./pendingTopUp";
import { billingKeys } from "./queries";

/** The platform's top-up limits in roubles, as GET /api/balance names them (the server checks them again). */
interface Limits {
  min: number;
  max: number;
}
const quickAmounts = ["500", "1000", "5000"];

/** How often, and how long, the balance page waits for the gateway's notification after a return. */
export const confirmPollMs = 2_000;
export const confirmTimeoutMs = 90_000;

/** The amount, checked as the server will; null when fine. */
function amountProblem(text: string, limits: Limits, t: ReturnType<typeof useTranslation>["t"]): string | null {
  const amount = parseAmount(text, 2);
  if (amount === null) return t("topUp.invalid");
  const value = Number(amount);
  if (value < limits.min || value > limits.max) return t("topUp.range", { min: formatMoney(String(limits.min)), max: formatMoney(String(limits.max)) });
  return null;
}

/** Amount, quick picks and the way to YooKassa's page: the browser leaves for it. */
export function TopUpForm({ balance }: { balance: Balance }) {
  const { t } = useTranslation();
  if (!balance.topUp.available) {
    return (
      <Alert color="gray" title={t("topUp.unavailableTitle")} data-testid="topup-unavailable">
        {t("topUp.unavailable")}
      </Alert>
    );
  }
  return <AvailableTopUp balance={balance} limits={{ min: Number(balance.topUp.min), max: Number(balance.topUp.max) }} />;
}

function AvailableTopUp({ balance, limits }: { balance: Balance; limits: Limits }) {
  const { t } = useTranslation();
  const [amount, setAmount] = useState("");
  const [touched, setTouched] = useState(false);
  // One key per amount: a double click or a retry after a lost answer is the same payment.
  const [key, setKey] = useState(uuid);
  const [leaving, setLeaving] = useState(false);
  const topUp = useMutation({
    mutationFn: async (value: string) => {
      const result = await startTopUp(value, key);
      const url = new URL(result.confirmationUrl, window.location.href);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(t("topUp.badUrl"));
      return { paymentId: result.paymentId, url: url.toString() };
    },
    onSuccess: ({ paymentId, url }, value) => {
      savePendingTopUp({ paymentId, amount: value, balanceBefore: balance.balance, startedAt: Date.now() });
      setLeaving(true);
      window.location.assign(url);
    },
  });

  // Back from YooKassa's page with the browser's back button: the page may come from the back-forward cache
  // as it was left, still "opening the payment page".
  useEffect(() => {
    const shown = (event: PageTransitionEvent) => {
      if (event.persisted) setLeaving(false);
    };
    window.addEventListener("pageshow", shown);
    return () => window.removeEventListener("pageshow", shown);
  }, []);

  const change = (value: string) => {
    setAmount(value);
    setKey(uuid());
    topUp.reset();
  };
  const local = touched ? amountProblem(amount, limits, t) : null;
  const server = topUp.error instanceof ApiError ? topUp.error.fieldErrors("amount").join(" ") : "";
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    const value = parseAmount(amount, 2);
    if (value === null || amountProblem(amount, limits, t) !== null) return;
    topUp.mutate(value);
  };
  const busy = topUp.isPending || leaving;
  const otherError = topUp.error && !server ? topUp.error : null;

  return (
    <form onSubmit={submit} noValidate aria-labelledby="topup-heading" data-testid="topup-form">
      <Stack gap="sm">
        <Group gap="xs" aria-label={t("topUp.quick")} role="group">
          {quickAmounts.map((value) => (
            <Button key={value} size="xs" variant="light" onClick={() => change(value)} disabled={busy} data-testid={`topup-quick-${value}`}>
              {formatMoney(value)}
            </Button>
          ))}
        </Group>
        <TextInput
          label={t("topUp.amount")}
          description={t("topUp.amountHint", { min: formatMoney(String(limits.min)) })}
          value={amount}
          onChange={(event) => change(event.currentTarget.value)}
          onBlur={() => setTouched(amount !== "")}
          inputMode="decimal"
          autoComplete="off"
          required
          rightSection={<Text size="sm" c="dimmed" aria-hidden="true">₽</Text>}
          error={local ?? (server || undefined)}
          maw={320}
          data-testid="topup-amount"
        />
        <Group>
          <Button type="submit" loading={busy} data-testid="topup-submit">
            {t("topUp.submit")}
          </Button>
        </Group>
        {leaving ? (
          <Text size="sm" role="status" data-testid="topup-leaving">
            {t("topUp.leaving")}
          </Text>
        ) : null}
        {otherError ? <ProblemAlert error={otherError} heading={t("topUp.failed")} testId="topup-error" /> : null}
        <Text size="xs" c="dimmed">
          {t("topUp.note")}
        </Text>
      </Stack>
    </form>
  );
}

type Confirmation = { state: "confirming" | "timeout"; pending: PendingTopUp } | { state: "confirmed"; pending: PendingTopUp } | null;

/**
 * Back from YooKassa: the payment is confirmed by its notification to the server, asynchronously. The ledger's
 * top-ups are read every few seconds until this payment's credit is there (then the balance and history are
 * read again), or a timeout says what to do.
 */
export function useTopUpConfirmation() {
  const client = useQueryClient();
  const [pending, setPending] = useState<PendingTopUp | null>(() => readPendingTopUp());
  const [round, setRound] = useState(0);
  const [timedOut, setTimedOut] = useState(false);
  const paymentId = pending?.paymentId ?? "";
  const check = useQuery({
    queryKey: ["topup-confirmation", paymentId, round],
    queryFn: async ({ signal }) => {
      const page = await listTransactions({ kind: "topup" }, null, signal, 20);
      const credited = page.items.some((entry) => entry.reference === topUpReference(paymentId));
      if (credited) {
        clearPendingTopUp();
        await client.invalidateQueries({ queryKey: billingKeys.all });
      }
      return credited;
    },
    enabled: pending !== null && !timedOut,
    // Until the credit is there; then the query stays done.
    refetchInterval: (query) => (query.state.data === true ? false : confirmPollMs),
    retry: true,
    staleTime: Infinity,
    gcTime: 0,
  });
  const confirmed = check.data === true;

  useEffect(() => {
    if (!pending || confirmed) return;
    const timer = window.setTimeout(() => setTimedOut(true), confirmTimeoutMs);
    return () => window.clearTimeout(timer);
  }, [pending, confirmed, round]);

  const confirmation: Confirmation = !pending ? null : confirmed ? { state: "confirmed", pending } : { state: timedOut ? "timeout" : "confirming", pending };
  return {
    confirmation,
    retry: () => {
      setTimedOut(false);
      setRound((r) => r + 1);
    },
    dismiss: () => {
      clearPendingTopUp();
      setPending(null);
    },
  };
}

export function TopUpConfirmation({ confirmation, onRetry, onDismiss }: {
  confirmation: NonNullable<Confirmation>;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const amount = formatMoney(confirmation.pending.amount);
  if (confirmation.state === "confirmed") {
    return (
      <Alert color="green" role="status" title={t("topUp.confirmedTitle")} withCloseButton onClose={onDismiss} closeButtonLabel={t("app.close")}
        data-testid="topup-confirmed">
        {t("topUp.confirmed", { amount })}
      </Alert>
    );
  }
  if (confirmation.state === "timeout") {
    return (
      <Alert color="yellow" role="alert" title={t("topUp.timeoutTitle")} data-testid="topup-timeout">
        <Stack gap="xs">
          <Text size="sm">{t("topUp.timeout", { amount })}</Text>
          <Group gap="xs">
            <Button size="xs" variant="light" color="yellow" onClick={onRetry} data-testid="topup-check-again">
              {t("topUp.checkAgain")}
            </Button>
            <Button size="xs" variant="subtle" color="gray" onClick={onDismiss}>
              {t("topUp.dismiss")}
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
  return (
    <Alert color="blue" role="status" aria-live="polite" title={t("topUp.confirmingTitle")} data-testid="topup-confirming">
      <Group gap="sm" wrap="nowrap">
        <Loader size="sm" aria-hidden="true" />
        <Text size="sm">{t("topUp.confirming", { amount })}</Text>
      </Group>
    </Alert>
  );
}

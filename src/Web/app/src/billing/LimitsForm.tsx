import { Button, Group, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { setLimits, type Balance } from "../api/billing";
import { ApiError } from "../api/errors";
import { ProblemAlert } from "../components/ProblemAlert";
import { notify } from "../notify";
import { amountInput, parseAmount } from "./money";
import { billingKeys } from "./queries";

/** The low-balance threshold (an alert below it) and the daily cap (empty: none). */
export function LimitsForm({ balance }: { balance: Balance }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [low, setLow] = useState(() => amountInput(balance.lowBalanceThreshold));
  const [cap, setCap] = useState(() => amountInput(balance.dailyCap));
  const [checked, setChecked] = useState(false);
  const save = useMutation({
    mutationFn: setLimits,
    onSuccess: (updated) => {
      client.setQueryData(billingKeys.balance, updated);
      setLow(amountInput(updated.lowBalanceThreshold));
      setCap(amountInput(updated.dailyCap));
      setChecked(false);
      notify({ color: "green", title: t("limits.saved"), message: null, autoClose: 3_000 });
    },
  });

  const lowValue = parseAmount(low);
  const capValue = cap.trim() === "" ? null : parseAmount(cap);
  const problem = save.error instanceof ApiError ? save.error : null;
  const fieldError = (field: string, local: boolean) => {
    if (checked && local) return t("limits.invalid");
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    if (lowValue === null || (cap.trim() !== "" && capValue === null)) return;
    save.mutate({ lowBalanceThreshold: lowValue, dailyCap: capValue });
  };
  const fieldsOnly = problem !== null && (problem.fieldErrors("lowBalanceThreshold").length > 0 || problem.fieldErrors("dailyCap").length > 0);

  return (
    <form onSubmit={submit} noValidate aria-labelledby="limits-heading" data-testid="limits-form">
      <Stack gap="sm">
        <Group align="flex-start" gap="md" grow preventGrowOverflow={false} wrap="wrap">
          <TextInput
            label={t("limits.low")}
            description={t("limits.lowHint")}
            value={low}
            onChange={(event) => {
              setLow(event.currentTarget.value);
              save.reset();
            }}
            inputMode="decimal"
            autoComplete="off"
            required
            rightSection={<span aria-hidden="true">₽</span>}
            error={fieldError("lowBalanceThreshold", lowValue === null)}
            miw={200}
            data-testid="limits-low"
          />
          <TextInput
            label={t("limits.cap")}
            description={t("limits.capHint")}
            value={cap}
            onChange={(event) => {
              setCap(event.currentTarget.value);
              save.reset();
            }}
            inputMode="decimal"
            autoComplete="off"
            placeholder={t("limits.noCap")}
            rightSection={<span aria-hidden="true">₽</span>}
            error={fieldError("dailyCap", cap.trim() !== "" && capValue === null)}
            miw={200}
            data-testid="limits-cap"
          />
        </Group>
        {save.error && !fieldsOnly ? <ProblemAlert error={save.error} heading={t("limits.failed")} testId="limits-error" /> : null}
        <Group>
          <Button type="submit" variant="light" loading={save.isPending} data-testid="limits-save">
            {t("limits.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

import { Alert, Button, Group, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { redeemPromo } from "../api/billing";
import { ApiError } from "../api/errors";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatMoney } from "./money";
import { billingKeys } from "./queries";

/** A promo code credits the balance once per account. */
export function PromoBox() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [code, setCode] = useState("");
  const redeem = useMutation({
    mutationFn: (value: string) => redeemPromo(value),
    onSuccess: () => {
      setCode("");
      void client.invalidateQueries({ queryKey: billingKeys.all });
    },
  });
  const problem = redeem.error instanceof ApiError ? redeem.error : null;
  const codeErrors = problem?.fieldErrors("code") ?? [];
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = code.trim();
    if (!value) return;
    redeem.mutate(value);
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="promo-heading" data-testid="promo-form">
      <Stack gap="sm">
        <TextInput
          label={t("promo.code")}
          value={code}
          onChange={(event) => {
            setCode(event.currentTarget.value);
            if (!redeem.isPending) redeem.reset();
          }}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={64}
          required
          error={codeErrors.length > 0 ? codeErrors.join(" ") : undefined}
          maw={320}
          data-testid="promo-code"
        />
        <Group>
          <Button type="submit" variant="light" loading={redeem.isPending} disabled={code.trim() === ""} data-testid="promo-submit">
            {t("promo.submit")}
          </Button>
        </Group>
        {redeem.data ? (
          <Alert color="green" role="status" title={t("promo.redeemedTitle")} data-testid="promo-redeemed">
            {t("promo.redeemed", { amount: formatMoney(redeem.data.amount), balance: formatMoney(redeem.data.balance) })}
          </Alert>
        ) : null}
        {redeem.error && codeErrors.length === 0 ? <ProblemAlert error={redeem.error} testId="promo-error" /> : null}
      </Stack>
    </form>
  );
}

import { Badge, Button, Group, Select, Skeleton, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { billingServices, setPrice, type Price } from "../api/billing";
import { ApiError } from "../api/errors";
import { isoToLocalInput, localInputToIso } from "../billing/dates";
import { useBillingLabels } from "../billing/labels";
import { formatMoney, parseAmount } from "../billing/money";
import { PriceTable } from "../billing/PriceList";
import { adminPricesOptions, billingKeys } from "../billing/queries";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { notify } from "../notify";

type PriceState = "scheduled" | "current" | "past";

/** Each row's state: the newest one in effect per service and model is current, later ones are scheduled. */
export function priceStates(prices: readonly Price[], now: number = Date.now()): Map<Price, PriceState> {
  const states = new Map<Price, PriceState>();
  const current = new Map<string, Price>();
  for (const price of prices) {
    const from = Date.parse(price.effectiveFrom);
    if (from > now) {
      states.set(price, "scheduled");
      continue;
    }
    const key = `${price.service}/${price.model ?? ""}`;
    const seen = current.get(key);
    if (!seen || Date.parse(seen.effectiveFrom) < from) current.set(key, price);
  }
  const currentRows = new Set(current.values());
  for (const price of prices) if (!states.has(price)) states.set(price, currentRows.has(price) ? "current" : "past");
  return states;
}

const stateColors: Record<PriceState, string> = { scheduled: "blue", current: "green", past: "gray" };

function PriceForm() {
  const { t } = useTranslation();
  const labels = useBillingLabels();
  const client = useQueryClient();
  const [service, setService] = useState<string | null>(null);
  const [model, setModel] = useState("");
  const [price, setPriceText] = useState("");
  const [from, setFrom] = useState("");
  const [checked, setChecked] = useState(false);
  /** Set on submit: whether the chosen time had passed by then. */
  const [pastDate, setPastDate] = useState(false);
  const save = useMutation({
    mutationFn: setPrice,
    onSuccess: (row) => {
      void client.invalidateQueries({ queryKey: billingKeys.adminPrices });
      void client.invalidateQueries({ queryKey: billingKeys.prices });
      setPriceText("");
      setFrom("");
      setChecked(false);
      notify({
        color: "green",
        title: t("adminPrices.saved"),
        message: `${labels.service(row.service)}${row.model ? ` (${row.model})` : ""}: ${formatMoney(row.price)}`,
        autoClose: 4_000,
      });
    },
  });
  const problem = save.error instanceof ApiError ? save.error : null;
  const priceValue = parseAmount(price);
  const fromIso = localInputToIso(from);
  const fieldError = (field: string, local: string | null) => {
    if (checked && local) return local;
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    const past = fromIso !== null && Date.parse(fromIso) < Date.now() - 60_000;
    setPastDate(past);
    if (!service || priceValue === null || past || (from !== "" && fromIso === null)) return;
    save.mutate({ service, model: model.trim() || null, price: priceValue, effectiveFrom: fromIso });
  };
  const anyField = problem !== null && ["service", "model", "price", "effectiveFrom"].some((f) => problem.fieldErrors(f).length > 0);
  const change = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    save.reset();
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="price-form-heading" data-testid="price-form">
      <Stack gap="sm">
        <div className="rx-form-grid">
          <Select
            label={t("prices.service")}
            description={t("adminPrices.serviceHint")}
            data={billingServices.map((s) => ({ value: s, label: labels.service(s) }))}
            value={service}
            onChange={change(setService)}
            required
            error={fieldError("service", service ? null : t("adminPrices.serviceRequired"))}
            data-testid="price-service"
          />
          <TextInput
            label={t("prices.model")}
            description={t("adminPrices.modelHint")}
            value={model}
            onChange={(e) => change(setModel)(e.currentTarget.value)}
            maxLength={200}
            autoComplete="off"
            error={fieldError("model", null)}
            data-testid="price-model"
          />
          <TextInput
            label={t("prices.price")}
            description={t("adminPrices.priceHint")}
            value={price}
            onChange={(e) => change(setPriceText)(e.currentTarget.value)}
            inputMode="decimal"
            autoComplete="off"
            required
            rightSection={<span aria-hidden="true">₽</span>}
            error={fieldError("price", priceValue === null ? t("adminPrices.priceInvalid") : null)}
            data-testid="price-value-input"
          />
          <TextInput
            type="datetime-local"
            label={t("adminPrices.from")}
            description={t("adminPrices.fromHint")}
            value={from}
            min={isoToLocalInput()}
            onChange={(e) => {
              change(setFrom)(e.currentTarget.value);
              setPastDate(false);
            }}
            error={fieldError("effectiveFrom", pastDate ? t("adminPrices.past") : from !== "" && fromIso === null ? t("adminPrices.past") : null)}
            data-testid="price-from"
          />
        </div>
        {save.error && !anyField ? <ProblemAlert error={save.error} heading={t("adminPrices.failed")} testId="price-error" /> : null}
        <Group>
          <Button type="submit" loading={save.isPending} data-testid="price-submit">
            {from ? t("adminPrices.schedule") : t("adminPrices.setNow")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Platform admins: every price, current and scheduled, and a new price from a date. */
export function AdminPricesPage() {
  const { t } = useTranslation();
  const prices = useQuery(adminPricesOptions);
  const states = priceStates(prices.data ?? []);
  const scheduled = [...states.values()].filter((s) => s === "scheduled").length;
  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-prices-page">
      <div>
        <Title order={1} size="h2">
          {t("adminPrices.title")}
        </Title>
        <Text c="dimmed">{t("adminPrices.tagline")}</Text>
      </div>
      <Section id="price-form-heading" title={t("adminPrices.formTitle")} text={t("adminPrices.formText")} testId="price-form-section">
        <PriceForm />
      </Section>
      <Section
        id="all-prices-heading"
        title={t("adminPrices.listTitle")}
        text={t("adminPrices.listText", { count: scheduled })}
        testId="admin-prices-section"
      >
        {prices.isPending ? (
          <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")}>
            <Skeleton height={40} />
            <Skeleton height={40} />
          </Stack>
        ) : !prices.data ? (
          <ProblemAlert error={prices.error} heading={t("prices.loadFailed")} testId="admin-prices-error">
            <Group mt={4}>
              <Button size="xs" variant="light" color="red" onClick={() => void prices.refetch()}>
                {t("app.retry")}
              </Button>
            </Group>
          </ProblemAlert>
        ) : prices.data.length === 0 ? (
          <div className="rx-empty rx-doc-empty" data-testid="admin-prices-empty">
            <Text fw={600}>{t("adminPrices.emptyTitle")}</Text>
            <Text size="sm" c="dimmed" maw={520}>
              {t("adminPrices.empty")}
            </Text>
          </div>
        ) : (
          <PriceTable
            prices={prices.data}
            labelledBy="all-prices-heading"
            testId="admin-prices-table"
            extra={{
              header: t("adminPrices.state"),
              cell: (price) => {
                const state = states.get(price) ?? "past";
                return (
                  <Badge variant="light" color={stateColors[state]} size="sm" data-testid="price-state" data-state={state}>
                    {t(`adminPrices.states.${state}`)}
                  </Badge>
                );
              },
            }}
          />
        )}
      </Section>
    </Stack>
  );
}

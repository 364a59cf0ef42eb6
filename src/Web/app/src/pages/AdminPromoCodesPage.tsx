import { Badge, Button, Group, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { createPromoCode, type PromoCode } from "../api/billing";
import { ApiError } from "../api/errors";
import { isoToLocalInput, localInputToIso } from "../billing/dates";
import { formatMoney, parseAmount } from "../billing/money";
import { billingKeys, promoCodesOptions } from "../billing/queries";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { formatDateTime } from "../format";
import { notify } from "../notify";

type CodeState = "active" | "usedUp" | "expired";

function codeState(code: PromoCode, now: number = Date.now()): CodeState {
  if (code.expiresAt && Date.parse(code.expiresAt) <= now) return "expired";
  return code.uses >= code.maxUses ? "usedUp" : "active";
}

const stateColors: Record<CodeState, string> = { active: "green", usedUp: "gray", expired: "orange" };

const codePattern = /^[A-Za-z0-9_-]{3,64}$/;

function PromoCodeForm() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [code, setCode] = useState("");
  const [amount, setAmount] = useState("");
  const [maxUses, setMaxUses] = useState("1");
  const [expires, setExpires] = useState("");
  const [checked, setChecked] = useState(false);
  /** Set on submit: whether the expiry had passed by then. */
  const [expired, setExpired] = useState(false);
  const create = useMutation({
    mutationFn: createPromoCode,
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: billingKeys.promoCodes });
      setCode("");
      setAmount("");
      setMaxUses("1");
      setExpires("");
      setChecked(false);
      notify({ color: "green", title: t("adminPromo.created"), message: `${created.code}: ${formatMoney(created.amount)}`, autoClose: 4_000 });
    },
  });
  const problem = create.error instanceof ApiError ? create.error : null;
  const amountValue = parseAmount(amount);
  const uses = /^\d+$/.test(maxUses.trim()) ? Number(maxUses.trim()) : NaN;
  const expiresIso = localInputToIso(expires);
  const local = {
    code: codePattern.test(code.trim()) ? null : t("adminPromo.codeInvalid"),
    amount: amountValue !== null && Number(amountValue) > 0 ? null : t("adminPromo.amountInvalid"),
    maxUses: Number.isInteger(uses) && uses >= 1 && uses <= 1_000_000 ? null : t("adminPromo.usesInvalid"),
    expiresAt: expires !== "" && (expiresIso === null || expired) ? t("adminPromo.expiresInvalid") : null,
  };
  const fieldError = (field: keyof typeof local) => {
    if (checked && local[field]) return local[field];
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    const past = expiresIso !== null && Date.parse(expiresIso) <= Date.now();
    setExpired(past);
    if (past || amountValue === null || Object.values(local).some((v) => v !== null)) return;
    create.mutate({ code: code.trim().toUpperCase(), amount: amountValue, maxUses: uses, expiresAt: expiresIso });
  };
  const anyField = problem !== null && Object.keys(local).some((f) => problem.fieldErrors(f).length > 0);
  const edit = (set: (value: string) => void) => (event: { currentTarget: HTMLInputElement }) => {
    set(event.currentTarget.value);
    create.reset();
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="promo-form-heading" data-testid="promo-code-form">
      <Stack gap="sm">
        <div className="rx-form-grid">
          <TextInput
            label={t("adminPromo.code")}
            description={t("adminPromo.codeHint")}
            value={code}
            onChange={edit(setCode)}
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            required
            error={fieldError("code")}
            data-testid="promo-new-code"
          />
          <TextInput
            label={t("adminPromo.amount")}
            description={t("adminPromo.amountHint")}
            value={amount}
            onChange={edit(setAmount)}
            inputMode="decimal"
            autoComplete="off"
            required
            rightSection={<span aria-hidden="true">₽</span>}
            error={fieldError("amount")}
            data-testid="promo-new-amount"
          />
          <TextInput
            label={t("adminPromo.maxUses")}
            description={t("adminPromo.maxUsesHint")}
            value={maxUses}
            onChange={edit(setMaxUses)}
            inputMode="numeric"
            autoComplete="off"
            required
            error={fieldError("maxUses")}
            data-testid="promo-new-uses"
          />
          <TextInput
            type="datetime-local"
            label={t("adminPromo.expiresAt")}
            description={t("adminPromo.expiresHint")}
            value={expires}
            min={isoToLocalInput()}
            onChange={(event) => {
              edit(setExpires)(event);
              setExpired(false);
            }}
            error={fieldError("expiresAt")}
            data-testid="promo-new-expires"
          />
        </div>
        {create.error && !anyField ? <ProblemAlert error={create.error} heading={t("adminPromo.failed")} testId="promo-code-error" /> : null}
        <Group>
          <Button type="submit" loading={create.isPending} data-testid="promo-new-submit">
            {t("adminPromo.create")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Platform admins: the promo codes with their uses, and a new one. */
export function AdminPromoCodesPage() {
  const { t } = useTranslation();
  const codes = useQuery(promoCodesOptions);
  const list = [...(codes.data ?? [])].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.code.localeCompare(b.code));
  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-promo-page">
      <div>
        <Title order={1} size="h2">
          {t("adminPromo.title")}
        </Title>
        <Text c="dimmed">{t("adminPromo.tagline")}</Text>
      </div>
      <Section id="promo-form-heading" title={t("adminPromo.formTitle")} text={t("adminPromo.formText")} testId="promo-code-form-section">
        <PromoCodeForm />
      </Section>
      <Section id="promo-list-heading" title={t("adminPromo.listTitle")} testId="promo-code-list-section">
        {codes.isPending ? (
          <Stack gap="xs" aria-busy="true" aria-label={t("app.loading")}>
            <Skeleton height={40} />
            <Skeleton height={40} />
          </Stack>
        ) : !codes.data ? (
          <ProblemAlert error={codes.error} heading={t("adminPromo.loadFailed")} testId="promo-codes-error">
            <Group mt={4}>
              <Button size="xs" variant="light" color="red" onClick={() => void codes.refetch()}>
                {t("app.retry")}
              </Button>
            </Group>
          </ProblemAlert>
        ) : list.length === 0 ? (
          <div className="rx-empty rx-doc-empty" data-testid="promo-codes-empty">
            <Text fw={600}>{t("adminPromo.emptyTitle")}</Text>
            <Text size="sm" c="dimmed" maw={520}>
              {t("adminPromo.empty")}
            </Text>
          </div>
        ) : (
          <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="promo-list-heading" data-testid="promo-codes-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("adminPromo.code")}</Table.Th>
                <Table.Th scope="col" className="rx-num">{t("adminPromo.amount")}</Table.Th>
                <Table.Th scope="col" className="rx-num">{t("adminPromo.uses")}</Table.Th>
                <Table.Th scope="col">{t("adminPromo.expiresAt")}</Table.Th>
                <Table.Th scope="col">{t("adminPromo.createdAt")}</Table.Th>
                <Table.Th scope="col">{t("adminPromo.state")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((c) => {
                const state = codeState(c);
                return (
                  <Table.Tr key={c.code} data-testid="promo-code-row" data-code={c.code} data-uses={c.uses} data-max-uses={c.maxUses}>
                    <Table.Td data-label={t("adminPromo.code")}>
                      <Text size="sm" ff="monospace" fw={600} className="rx-break">
                        {c.code}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminPromo.amount")} className="rx-num">
                      <Text size="sm" className="rx-nowrap">{formatMoney(c.amount)}</Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminPromo.uses")} className="rx-num">
                      <Text size="sm" className="rx-nowrap" data-testid="promo-code-uses">
                        {t("adminPromo.usesOf", { uses: c.uses, max: c.maxUses })}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminPromo.expiresAt")}>
                      <Text size="sm" className="rx-nowrap">
                        {c.expiresAt ? <time dateTime={c.expiresAt}>{formatDateTime(c.expiresAt)}</time> : t("adminPromo.never")}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminPromo.createdAt")}>
                      <Text size="sm" className="rx-nowrap">
                        <time dateTime={c.createdAt}>{formatDateTime(c.createdAt)}</time>
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("adminPromo.state")}>
                      <Badge variant="light" color={stateColors[state]} size="sm">
                        {t(`adminPromo.states.${state}`)}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Section>
    </Stack>
  );
}

import { Badge, Button, Group, Loader, Modal, Select, Stack, Table, Text, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { adjustBalance, updateUser, type AdminUser } from "../admin/api";
import { eachDay, lastDays, type RangeDays } from "../admin/days";
import { useAdminT } from "../admin/i18n";
import { Empty, LoadFailed, LoadMore, Loading, PageHead, RangeSwitch, useNumber } from "../admin/parts";
import { adminKeys, usageOptions, usersOptions } from "../admin/queries";
import { ApiError } from "../api/errors";
import { uuid } from "../api/http";
import { useAuth } from "../auth/AuthContext";
import { formatMoney, formatSignedMoney, parseAmount } from "../billing/money";
import { DailyChart, type ChartDay } from "../components/DailyChart";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { notify } from "../notify";

type Account = NonNullable<AdminUser["account"]>;

/** A signed amount as typed ("-150,5" → "-150.5"), or null. */
function parseSigned(text: string): string | null {
  const trimmed = text.trim().replace(/^[\u2212\u2013]/, "-");
  const negative = trimmed.startsWith("-");
  const amount = parseAmount(negative ? trimmed.slice(1) : trimmed.replace(/^\+/, ""));
  if (amount === null || Number(amount) === 0) return null;
  return negative ? `-${amount}` : amount;
}

function AdjustBalance({ account, onClose }: { account: Account; onClose: () => void }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [checked, setChecked] = useState(false);
  const adjust = useMutation({
    // A new key per submit: a retried click after an answer is a new adjustment, a network retry is not.
    mutationFn: (body: { amount: string; reason: string }) => adjustBalance(account.id, body.amount, body.reason, uuid()),
    onSuccess: (entry) => {
      void client.invalidateQueries({ queryKey: adminKeys.users });
      notify({
        color: "green",
        title: t("adminUsers.adjusted"),
        message: t("adminUsers.adjustedText", { amount: formatSignedMoney(entry.amount), balance: formatMoney(entry.balanceAfter) }),
        autoClose: 5_000,
      });
      onClose();
    },
  });
  const value = parseSigned(amount);
  const problem = adjust.error instanceof ApiError ? adjust.error : null;
  const local = {
    amount: value === null ? t("adminUsers.amountInvalid") : null,
    reason: reason.trim() === "" || reason.trim().length > 500 ? t("adminUsers.reasonRequired") : null,
  };
  const fieldError = (field: keyof typeof local) => {
    if (checked && local[field]) return local[field];
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const anyField = problem !== null && (problem.fieldErrors("amount").length > 0 || problem.fieldErrors("reason").length > 0);
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    if (value === null || local.reason !== null) return;
    adjust.mutate({ amount: value, reason: reason.trim() });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="adjust-balance-form">
      <Stack gap="sm">
        <TextInput
          label={t("adminUsers.amount")}
          description={t("adminUsers.amountHint")}
          value={amount}
          onChange={(e) => {
            setAmount(e.currentTarget.value);
            adjust.reset();
          }}
          inputMode="decimal"
          autoComplete="off"
          required
          data-autofocus
          rightSection={<span aria-hidden="true">₽</span>}
          error={fieldError("amount")}
          data-testid="adjust-amount"
        />
        <Textarea
          label={t("adminUsers.reason")}
          description={t("adminUsers.reasonHint")}
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            adjust.reset();
          }}
          maxLength={500}
          autosize
          minRows={2}
          required
          error={fieldError("reason")}
          data-testid="adjust-reason"
        />
        {adjust.error && !anyField ? <ProblemAlert error={adjust.error} heading={t("adminUsers.adjustFailed")} testId="adjust-error" /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("adminCommon.cancel")}
          </Button>
          <Button type="submit" loading={adjust.isPending} data-testid="adjust-submit">
            {t("adminUsers.apply")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Usage({ account }: { account: Account }) {
  const { t } = useAdminT();
  const number = useNumber();
  const [days, setDays] = useState<RangeDays>(30);
  const range = lastDays(days);
  const usage = useQuery(usageOptions(account.id, range));
  const data = usage.data;
  const byDay = new Map((data?.days ?? []).map((d) => [d.day, d]));
  const sums = (data?.days ?? []).reduce(
    (acc, d) => ({ prompt: acc.prompt + d.promptTokens, completion: acc.completion + d.completionTokens, spend: acc.spend + Number(d.spend) }),
    { prompt: 0, completion: 0, spend: 0 },
  );
  return (
    <Stack gap="sm" data-testid="user-usage">
      <RangeSwitch value={days} onChange={setDays} testId="user-usage-range" />
      {usage.isPending ? (
        <Loading rows={2} height={60} testId="user-usage-loading" />
      ) : !data ? (
        <LoadFailed error={usage.error} heading={t("adminUsers.usageFailed")} onRetry={() => void usage.refetch()} testId="user-usage-error" />
      ) : (
        <>
          <DailyChart
            days={eachDay({ from: data.from, to: data.to }).map((day): ChartDay => {
              const d = byDay.get(day);
              return { day, values: d ? { customer: d.customerMessages, ai: d.aiReplies, operator: d.operatorMessages } : {} };
            })}
            series={[
              { key: "customer", label: t("adminOverview.customer") },
              { key: "ai", label: t("adminOverview.ai") },
              { key: "operator", label: t("adminOverview.operator") },
            ]}
            caption={t("adminUsers.usageChart", { account: account.name })}
            testId="user-usage-chart"
            totalLabel={t("adminCommon.total")}
            dayLabel={t("adminCommon.day")}
          />
          <Text size="sm" data-testid="user-usage-tokens">
            {t("adminUsers.usageTokens", {
              prompt: number(sums.prompt),
              completion: number(sums.completion),
              spend: formatMoney(sums.spend.toFixed(6), data.currency),
            })}
          </Text>
        </>
      )}
    </Stack>
  );
}

type Dialog = { kind: "block"; user: AdminUser } | { kind: "adjust"; account: Account } | { kind: "usage"; account: Account } | null;

function UserRow({ user, me, onDialog }: { user: AdminUser; me: string | undefined; onDialog: (dialog: Dialog) => void }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: (change: { blocked?: boolean; role?: "owner" | "operator" }) => updateUser(user.id, change),
    onSuccess: (updated, change) => {
      void client.invalidateQueries({ queryKey: adminKeys.users });
      const title =
        change.role !== undefined
          ? t("adminUsers.roleDone", { email: updated.email, role: t(`adminUsers.roles.${change.role}`) })
          : t(updated.blocked ? "adminUsers.blockedDone" : "adminUsers.unblockedDone", { email: updated.email });
      notify({ color: "green", title, message: "", autoClose: 4_000 });
    },
    onError: (error) => {
      notify({ color: "red", title: t("adminUsers.updateFailed"), message: error instanceof ApiError ? error.title : String(error) });
    },
  });
  const account = user.account;
  return (
    <Table.Tr data-testid="user-row" data-user-id={user.id} data-email={user.email} data-blocked={user.blocked} data-role={user.role}>
      <Table.Th scope="row" data-label={t("adminUsers.user")} fw={400}>
        <Text size="sm" fw={600} className="rx-break">
          {user.name}
        </Text>
        <Text size="xs" c="dimmed" className="rx-break">
          {user.email}
        </Text>
      </Table.Th>
      <Table.Td data-label={t("adminUsers.role")}>
        {account && user.role !== "admin" ? (
          <Select
            size="xs"
            data={[
              { value: "owner", label: t("adminUsers.roles.owner") },
              { value: "operator", label: t("adminUsers.roles.operator") },
            ]}
            value={user.role}
            onChange={(value) => {
              if ((value === "owner" || value === "operator") && value !== user.role) update.mutate({ role: value });
            }}
            allowDeselect={false}
            disabled={update.isPending}
            aria-label={t("adminUsers.roleOf", { name: user.name })}
            comboboxProps={{ withinPortal: true }}
            w={140}
            data-testid="user-role"
          />
        ) : (
          <Badge variant="light" color="grape" size="sm" className="rx-badge-wrap">
            {t("adminUsers.roles.admin")}
          </Badge>
        )}
      </Table.Td>
      <Table.Td data-label={t("adminUsers.account")}>
        <Text size="sm" className="rx-break" c={account ? undefined : "dimmed"}>
          {account ? account.name : t("adminUsers.noAccount")}
        </Text>
      </Table.Td>
      <Table.Td data-label={t("adminUsers.balance")} className="rx-num">
        <Text size="sm" className="rx-nowrap" data-testid="user-balance">
          {user.balance ? formatMoney(user.balance) : t("adminCommon.none")}
        </Text>
      </Table.Td>
      <Table.Td data-label={t("adminUsers.state")}>
        <Badge variant="light" color={user.blocked ? "red" : "green"} size="sm" data-testid="user-state">
          {user.blocked ? t("adminUsers.blocked") : t("adminUsers.active")}
        </Badge>
      </Table.Td>
      <Table.Td data-label={t("adminUsers.actions")}>
        <Group gap={6} wrap="wrap">
          {user.id === me ? null : user.blocked ? (
            <Button size="compact-xs" variant="light" onClick={() => update.mutate({ blocked: false })} loading={update.isPending} data-testid="user-unblock">
              {t("adminUsers.unblock")}
            </Button>
          ) : (
            <Button size="compact-xs" variant="light" color="red" onClick={() => onDialog({ kind: "block", user })} data-testid="user-block">
              {t("adminUsers.block")}
            </Button>
          )}
          {account ? (
            <>
              <Button size="compact-xs" variant="light" onClick={() => onDialog({ kind: "adjust", account })} data-testid="user-adjust">
                {t("adminUsers.adjust")}
              </Button>
              <Button size="compact-xs" variant="subtle" onClick={() => onDialog({ kind: "usage", account })} data-testid="user-usage-open">
                {t("adminUsers.usage")}
              </Button>
            </>
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function ConfirmBlock({ user, onClose }: { user: AdminUser; onClose: () => void }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const block = useMutation({
    mutationFn: () => updateUser(user.id, { blocked: true }),
    onSuccess: (updated) => {
      void client.invalidateQueries({ queryKey: adminKeys.users });
      notify({ color: "green", title: t("adminUsers.blockedDone", { email: updated.email }), message: "", autoClose: 4_000 });
      onClose();
    },
  });
  return (
    <Stack gap="sm">
      <Text size="sm">{t("adminUsers.confirmBlock", { email: user.email })}</Text>
      {block.error ? <ProblemAlert error={block.error} heading={t("adminUsers.updateFailed")} testId="user-block-error" /> : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose} data-autofocus>
          {t("adminCommon.cancel")}
        </Button>
        <Button color="red" onClick={() => block.mutate()} loading={block.isPending} data-testid="user-block-confirm">
          {t("adminUsers.block")}
        </Button>
      </Group>
    </Stack>
  );
}

/** Platform admins: every user, searchable, with blocking, roles, balance adjustments and each account's usage. */
export function AdminUsersPage() {
  const { t } = useAdminT();
  const { user: me } = useAuth();
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);
  const users = useInfiniteQuery(usersOptions(q));
  const list = users.data?.pages.flatMap((p) => p.items) ?? [];
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const dialogTitle =
    dialog === null
      ? ""
      : dialog.kind === "block"
        ? t("adminUsers.confirmBlockTitle", { name: dialog.user.name })
        : dialog.kind === "adjust"
          ? t("adminUsers.adjustTitle", { account: dialog.account.name })
          : t("adminUsers.usageTitle", { account: dialog.account.name });

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-users">
      <PageHead title={t("adminUsers.title")} tagline={t("adminUsers.tagline")} />
      <Section id="users-list-heading" title={t("adminUsers.listTitle")} testId="users-list-section">
        <TextInput
          type="search"
          label={t("adminUsers.search")}
          placeholder={t("adminUsers.searchPlaceholder")}
          description={t("adminUsers.searchHint")}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={420}
          autoComplete="off"
          spellCheck={false}
          rightSection={users.isFetching && !users.isPending ? <Loader size="xs" aria-label={t("adminCommon.refreshing")} /> : null}
          data-testid="user-search"
        />
        {users.isPending ? (
          <Loading testId="users-loading" />
        ) : !users.data ? (
          <LoadFailed error={users.error} heading={t("adminUsers.loadFailed")} onRetry={() => void users.refetch()} testId="users-error" />
        ) : list.length === 0 ? (
          q ? (
            <Empty title={t("adminUsers.emptySearchTitle")} text={t("adminUsers.emptySearch")} testId="users-empty" />
          ) : (
            <Empty title={t("adminUsers.emptyTitle")} text={t("adminUsers.empty")} testId="users-empty" />
          )
        ) : (
          <>
            <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="users-list-heading" aria-busy={users.isFetching} data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("adminUsers.user")}</Table.Th>
                  <Table.Th scope="col">{t("adminUsers.role")}</Table.Th>
                  <Table.Th scope="col">{t("adminUsers.account")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("adminUsers.balance")}</Table.Th>
                  <Table.Th scope="col">{t("adminUsers.state")}</Table.Th>
                  <Table.Th scope="col">{t("adminUsers.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((user) => (
                  <UserRow key={user.id} user={user} me={me?.id} onDialog={setDialog} />
                ))}
              </Table.Tbody>
            </Table>
            <LoadMore list={users} testId="users-more" failure={{ error: users.error, heading: t("adminUsers.loadFailed"), testId: "users-more-error" }} />
          </>
        )}
      </Section>
      <Modal
        opened={dialog !== null}
        onClose={close}
        title={dialogTitle}
        size={dialog?.kind === "usage" ? "xl" : "md"}
        closeButtonProps={{ "aria-label": t("adminCommon.close") }}
        // In the page's main: the dialog's <header> is then not a second banner landmark.
        withinPortal={false}
        data-testid="user-dialog"
      >
        {dialog?.kind === "block" ? <ConfirmBlock user={dialog.user} onClose={close} /> : null}
        {dialog?.kind === "adjust" ? <AdjustBalance account={dialog.account} onClose={close} /> : null}
        {dialog?.kind === "usage" ? <Usage account={dialog.account} /> : null}
      </Modal>
    </Stack>
  );
}

import { Badge, Button, Group, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { auditActions, type AuditEntry, type AuditFilter } from "../admin/api";
import { localDayStart } from "../admin/days";
import { useAdminT, type AdminKey } from "../admin/i18n";
import { Empty, LoadFailed, LoadMore, Loading, PageHead } from "../admin/parts";
import { auditOptions } from "../admin/queries";
import { Section } from "../components/Section";
import { formatDateTime } from "../format";

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** "user.role_changed" → "audit.actions.userRoleChanged". */
function actionKey(action: string): AdminKey | null {
  if (!(auditActions as readonly string[]).includes(action)) return null;
  const camel = action.replace(/[._]([a-z])/g, (_, c: string) => c.toUpperCase());
  return `audit.actions.${camel}` as AdminKey;
}

function actionColor(action: string): string {
  if (action.startsWith("login.failed") || action.startsWith("login.locked") || action === "login.blocked_user" || action === "refresh.reused") return "red";
  if (action === "user.blocked") return "orange";
  if (action.startsWith("login.") || action === "logout") return "gray";
  if (action.startsWith("balance.") || action.startsWith("price.") || action.startsWith("promo.")) return "yellow";
  if (action.startsWith("ai_token.") || action.startsWith("bot.")) return "violet";
  return "blue";
}

function Id({ value }: { value: string | null }) {
  return (
    <Text size="xs" className="rx-mono rx-break">
      {value ?? "—"}
    </Text>
  );
}

/** Platform admins: the audit log, newest first, with filters and keyset "load more". */
export function AdminAuditPage() {
  const { t } = useAdminT();
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [account, setAccount] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [actorId] = useDebouncedValue(actor.trim(), 400);
  const [accountId] = useDebouncedValue(account.trim(), 400);
  const actorBad = actorId !== "" && !uuidPattern.test(actorId);
  const accountBad = accountId !== "" && !uuidPattern.test(accountId);
  const fromIso = localDayStart(from);
  const toIso = localDayStart(to, true);
  const badRange = fromIso !== null && toIso !== null && Date.parse(toIso) <= Date.parse(fromIso);
  const filter: AuditFilter = {
    action: action === "" ? null : action,
    actorId: actorId === "" || actorBad ? null : actorId,
    accountId: accountId === "" || accountBad ? null : accountId,
    from: fromIso,
    to: toIso,
  };
  const invalid = actorBad || accountBad || badRange;
  const audit = useInfiniteQuery({ ...auditOptions(filter), enabled: !invalid });
  const entries: AuditEntry[] = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = action !== "" || actor !== "" || account !== "" || from !== "" || to !== "";
  const label = (a: string) => {
    const key = actionKey(a);
    return key ? t(key) : a;
  };

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="admin-audit">
      <PageHead title={t("audit.title")} tagline={t("audit.tagline")} />
      <Section id="audit-list-heading" title={t("audit.listTitle")} testId="audit-list-section">
        <div role="group" aria-label={t("audit.filters")} className="rx-history-filters" data-testid="audit-filters">
          <Select
            label={t("audit.action")}
            data={[{ value: "", label: t("adminCommon.any") }, ...auditActions.map((a) => ({ value: a, label: label(a) }))]}
            value={action}
            onChange={(value) => setAction(value ?? "")}
            allowDeselect={false}
            searchable
            comboboxProps={{ withinPortal: true }}
            data-testid="audit-action"
          />
          <TextInput
            label={t("audit.actorId")}
            value={actor}
            onChange={(e) => setActor(e.currentTarget.value)}
            error={actorBad ? t("audit.idInvalid") : undefined}
            autoComplete="off"
            spellCheck={false}
            data-testid="audit-actor"
          />
          <TextInput
            label={t("audit.accountId")}
            value={account}
            onChange={(e) => setAccount(e.currentTarget.value)}
            error={accountBad ? t("audit.idInvalid") : undefined}
            autoComplete="off"
            spellCheck={false}
            data-testid="audit-account"
          />
          <TextInput type="date" label={t("audit.from")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="audit-from" />
          <TextInput
            type="date"
            label={t("audit.to")}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={badRange ? t("audit.badRange") : undefined}
            data-testid="audit-to"
          />
        </div>
        {filtered ? (
          <Group justify="flex-end">
            <Button
              size="xs"
              variant="subtle"
              color="gray"
              onClick={() => {
                setAction("");
                setActor("");
                setAccount("");
                setFrom("");
                setTo("");
              }}
              data-testid="audit-clear"
            >
              {t("adminCommon.clear")}
            </Button>
          </Group>
        ) : null}
        {invalid ? null : audit.isPending ? (
          <Loading testId="audit-loading" />
        ) : !audit.data ? (
          <LoadFailed error={audit.error} heading={t("audit.loadFailed")} onRetry={() => void audit.refetch()} testId="audit-error" />
        ) : entries.length === 0 ? (
          filtered ? (
            <Empty title={t("audit.emptyFilteredTitle")} text={t("audit.emptyFiltered")} testId="audit-empty" />
          ) : (
            <Empty title={t("audit.emptyTitle")} text={t("audit.empty")} testId="audit-empty" />
          )
        ) : (
          <>
            <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="audit-list-heading" data-testid="audit-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("audit.at")}</Table.Th>
                  <Table.Th scope="col">{t("audit.action")}</Table.Th>
                  <Table.Th scope="col">{t("audit.actor")}</Table.Th>
                  <Table.Th scope="col">{t("audit.account")}</Table.Th>
                  <Table.Th scope="col">{t("audit.target")}</Table.Th>
                  <Table.Th scope="col">{t("audit.details")}</Table.Th>
                  <Table.Th scope="col">{t("audit.fromWhere")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((entry) => (
                  <Table.Tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                    <Table.Td data-label={t("audit.at")}>
                      <Text size="sm" className="rx-nowrap">
                        <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("audit.action")}>
                      <Badge variant="light" color={actionColor(entry.action)} size="sm" className="rx-badge-wrap" title={entry.action}>
                        {label(entry.action)}
                      </Badge>
                    </Table.Td>
                    <Table.Td data-label={t("audit.actor")}>
                      <Id value={entry.actorUserId} />
                    </Table.Td>
                    <Table.Td data-label={t("audit.account")}>
                      <Id value={entry.accountId} />
                    </Table.Td>
                    <Table.Td data-label={t("audit.target")}>
                      <Text size="xs" className="rx-break">
                        {entry.target ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("audit.details")}>
                      <Text size="xs" className="rx-break">
                        {entry.details ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td data-label={t("audit.fromWhere")}>
                      <Stack gap={0}>
                        <Text size="xs" className="rx-mono rx-break">
                          {entry.ip ?? "—"}
                        </Text>
                        {entry.userAgent ? (
                          <Text size="xs" c="dimmed" className="rx-break" lineClamp={2} title={entry.userAgent}>
                            {entry.userAgent}
                          </Text>
                        ) : null}
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <LoadMore list={audit} testId="audit-more" failure={{ error: audit.error, heading: t("audit.loadFailed"), testId: "audit-more-error" }} />
          </>
        )}
      </Section>
    </Stack>
  );
}

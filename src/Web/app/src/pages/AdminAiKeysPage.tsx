import { Badge, Button, Group, Modal, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { addAiToken, aiProviders, changeAiToken, removeAiToken, type AiProvider, type AiToken, type AiTokenRequest } from "../admin/api";
import { eachDay, lastDays, type RangeDays } from "../admin/days";
import { useAdminT, type AdminT } from "../admin/i18n";
import { Empty, LoadFailed, Loading, PageHead, RangeSwitch, useNumber } from "../admin/parts";
import { adminKeys, aiTokensOptions, aiUsageOptions } from "../admin/queries";
import { ApiError } from "../api/errors";
import { DailyChart, type ChartDay } from "../components/DailyChart";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { formatTime } from "../format";
import { notify } from "../notify";

function isProvider(value: string | null): value is AiProvider {
  return (aiProviders as readonly (string | null)[]).includes(value);
}

function providerLabel(t: AdminT, provider: string): string {
  return isProvider(provider) ? t(`aiKeys.providers.${provider}`) : provider;
}

const circuitColors: Record<string, string> = { closed: "green", open: "red", halfopen: "orange" };

function circuitLabel(t: AdminT, circuit: string): string {
  return circuit === "closed" || circuit === "open" || circuit === "halfopen" ? t(`aiKeys.circuit.${circuit}`) : circuit;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** A whole number in [min, max] as typed, null for empty, NaN for anything else. */
function parseWhole(text: string, min: number, max: number): number | null {
  const trimmed = text.replace(/[\s\u00a0\u202f]/g, "");
  if (trimmed === "") return null;
  if (!/^\d+$/.test(trimmed)) return NaN;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : NaN;
}

/** Adds a key (no `token`) or edits one: limits, models, priority, enabled and optionally a new key. */
function KeyForm({ token, onDone }: { token?: AiToken; onDone?: () => void }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const editing = token !== undefined;
  const [provider, setProvider] = useState<string | null>(token?.provider ?? "openai");
  const [apiKey, setApiKey] = useState("");
  const [baseUrl, setBaseUrl] = useState(token?.baseUrl ?? "");
  const [models, setModels] = useState(token?.models.join(", ") ?? "");
  const [priority, setPriority] = useState(String(token?.priority ?? 100));
  const [rpm, setRpm] = useState(token?.rpm?.toString() ?? "");
  const [daily, setDaily] = useState(token?.dailyLimit?.toString() ?? "");
  const [folderId, setFolderId] = useState(token?.folderId ?? "");
  const [scope, setScope] = useState(token?.scope ?? "");
  const [enabled, setEnabled] = useState(token?.enabled ?? true);
  const [checked, setChecked] = useState(false);
  const save = useMutation({
    mutationFn: (request: AiTokenRequest) => (token ? changeAiToken(token.id, request) : addAiToken(request)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: adminKeys.aiTokens });
      notify({ color: "green", title: t(editing ? "aiKeys.saved" : "aiKeys.added"), message: "", autoClose: 4_000 });
      if (!editing) {
        setApiKey("");
        setBaseUrl("");
        setModels("");
        setRpm("");
        setDaily("");
        setFolderId("");
        setScope("");
        setChecked(false);
      }
      onDone?.();
    },
  });
  const problem = save.error instanceof ApiError ? save.error : null;
  const priorityValue = parseWhole(priority, 0, 10_000);
  const rpmValue = parseWhole(rpm, 1, 1_000_000);
  const dailyValue = parseWhole(daily, 1, 1_000_000_000_000);
  const modelList = models.split(",").map((m) => m.trim()).filter((m) => m !== "");
  const local: Record<string, string | null> = {
    provider: isProvider(provider) ? null : t("aiKeys.provider"),
    apiKey: !editing && apiKey.trim() === "" ? t("aiKeys.apiKeyRequired") : null,
    baseUrl: baseUrl.trim() !== "" && !isHttpUrl(baseUrl.trim()) ? t("aiKeys.urlInvalid") : provider === "custom" && baseUrl.trim() === "" ? t("aiKeys.baseUrlRequired") : null,
    priority: priorityValue === null || Number.isNaN(priorityValue) ? t("aiKeys.numberInvalid", { min: 0, max: "10 000" }) : null,
    rpm: rpmValue !== null && Number.isNaN(rpmValue) ? t("aiKeys.numberInvalid", { min: 1, max: "1 000 000" }) : null,
    dailyLimit: dailyValue !== null && Number.isNaN(dailyValue) ? t("aiKeys.numberInvalid", { min: 1, max: "10¹²" }) : null,
  };
  const fieldError = (field: string) => {
    const mine = local[field];
    if (checked && mine) return mine;
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  const fields = ["provider", "apiKey", "baseUrl", "models", "priority", "rpm", "dailyLimit", "folderId", "scope"];
  const anyField = problem !== null && fields.some((f) => problem.fieldErrors(f).length > 0);
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    if (Object.values(local).some((v) => v !== null) || !isProvider(provider) || priorityValue === null) return;
    const request: AiTokenRequest = { provider, models: modelList, priority: priorityValue, enabled };
    if (apiKey.trim() !== "") request.apiKey = apiKey.trim();
    if (baseUrl.trim() !== "") request.baseUrl = baseUrl.trim();
    if (rpmValue !== null) request.rpm = rpmValue;
    if (dailyValue !== null) request.dailyLimit = dailyValue;
    if (folderId.trim() !== "") request.folderId = folderId.trim();
    if (scope.trim() !== "") request.scope = scope.trim();
    save.mutate(request);
  };
  const edit = (set: (value: string) => void) => (event: { currentTarget: HTMLInputElement }) => {
    set(event.currentTarget.value);
    save.reset();
  };
  const prefix = editing ? "ai-key-edit" : "ai-key-new";
  return (
    <form onSubmit={submit} noValidate aria-labelledby={editing ? undefined : "ai-key-form-heading"} data-testid={`${prefix}-form`}>
      <Stack gap="sm">
        <div className="rx-form-grid">
          <Select
            label={t("aiKeys.provider")}
            data={aiProviders.map((p) => ({ value: p, label: providerLabel(t, p) }))}
            value={provider}
            onChange={(value) => {
              setProvider(value);
              save.reset();
            }}
            allowDeselect={false}
            required
            comboboxProps={{ withinPortal: true }}
            error={fieldError("provider")}
            data-testid={`${prefix}-provider`}
          />
          <TextInput
            type="password"
            label={t(editing ? "aiKeys.newApiKey" : "aiKeys.apiKey")}
            description={t(editing ? "aiKeys.newApiKeyHint" : "aiKeys.apiKeyHint")}
            value={apiKey}
            onChange={edit(setApiKey)}
            autoComplete="off"
            spellCheck={false}
            required={!editing}
            error={fieldError("apiKey")}
            data-testid={`${prefix}-api-key`}
          />
          <TextInput
            type="url"
            label={t("aiKeys.baseUrl")}
            description={t("aiKeys.baseUrlHint")}
            value={baseUrl}
            onChange={edit(setBaseUrl)}
            autoComplete="off"
            spellCheck={false}
            required={provider === "custom"}
            error={fieldError("baseUrl")}
            data-testid={`${prefix}-base-url`}
          />
          <TextInput
            label={t("aiKeys.models")}
            description={t("aiKeys.modelsHint")}
            value={models}
            onChange={edit(setModels)}
            autoComplete="off"
            spellCheck={false}
            error={fieldError("models")}
            data-testid={`${prefix}-models`}
          />
          <TextInput
            label={t("aiKeys.priority")}
            description={t("aiKeys.priorityHint")}
            value={priority}
            onChange={edit(setPriority)}
            inputMode="numeric"
            autoComplete="off"
            required
            error={fieldError("priority")}
            data-testid={`${prefix}-priority`}
          />
          <TextInput
            label={t("aiKeys.rpm")}
            description={t(editing && token.rpm !== null ? "aiKeys.keepHint" : "aiKeys.rpmHint")}
            value={rpm}
            onChange={edit(setRpm)}
            inputMode="numeric"
            autoComplete="off"
            error={fieldError("rpm")}
            data-testid={`${prefix}-rpm`}
          />
          <TextInput
            label={t("aiKeys.dailyLimit")}
            description={t(editing && token.dailyLimit !== null ? "aiKeys.keepHint" : "aiKeys.dailyLimitHint")}
            value={daily}
            onChange={edit(setDaily)}
            inputMode="numeric"
            autoComplete="off"
            error={fieldError("dailyLimit")}
            data-testid={`${prefix}-daily-limit`}
          />
          {provider === "yandexgpt" ? (
            <TextInput
              label={t("aiKeys.folderId")}
              description={t("aiKeys.folderIdHint")}
              value={folderId}
              onChange={edit(setFolderId)}
              autoComplete="off"
              spellCheck={false}
              error={fieldError("folderId")}
              data-testid={`${prefix}-folder`}
            />
          ) : null}
          {provider === "gigachat" ? (
            <TextInput
              label={t("aiKeys.scope")}
              description={t("aiKeys.scopeHint")}
              value={scope}
              onChange={edit(setScope)}
              autoComplete="off"
              spellCheck={false}
              error={fieldError("scope")}
              data-testid={`${prefix}-scope`}
            />
          ) : null}
        </div>
        <Switch
          label={t("aiKeys.enabled")}
          description={t("aiKeys.enabledHint")}
          checked={enabled}
          onChange={(e) => {
            setEnabled(e.currentTarget.checked);
            save.reset();
          }}
          data-testid={`${prefix}-enabled`}
        />
        {save.error && !anyField ? <ProblemAlert error={save.error} heading={t(editing ? "aiKeys.saveFailed" : "aiKeys.addFailed")} testId={`${prefix}-error`} /> : null}
        <Group justify={editing ? "flex-end" : "flex-start"}>
          {editing ? (
            <Button variant="default" onClick={onDone}>
              {t("adminCommon.cancel")}
            </Button>
          ) : null}
          <Button type="submit" loading={save.isPending} data-testid={`${prefix}-submit`}>
            {t(editing ? "aiKeys.save" : "aiKeys.add")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ConfirmRemove({ token, onClose }: { token: AiToken; onClose: () => void }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => removeAiToken(token.id),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: adminKeys.aiTokens });
      notify({ color: "green", title: t("aiKeys.removed"), message: "", autoClose: 4_000 });
      onClose();
    },
  });
  return (
    <Stack gap="sm">
      <Text size="sm">{t("aiKeys.confirmRemove", { provider: providerLabel(t, token.provider), hint: token.keyHint })}</Text>
      {remove.error ? <ProblemAlert error={remove.error} heading={t("aiKeys.removeFailed")} testId="ai-key-remove-error" /> : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose} data-autofocus>
          {t("adminCommon.cancel")}
        </Button>
        <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending} data-testid="ai-key-remove-confirm">
          {t("aiKeys.remove")}
        </Button>
      </Group>
    </Stack>
  );
}

function EnabledSwitch({ token }: { token: AiToken }) {
  const { t } = useAdminT();
  const client = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => changeAiToken(token.id, { enabled }),
    onSettled: () => void client.invalidateQueries({ queryKey: adminKeys.aiTokens }),
    onError: (error) => notify({ color: "red", title: t("aiKeys.saveFailed"), message: error instanceof ApiError ? error.title : String(error) }),
  });
  const checked = toggle.isPending ? toggle.variables : token.enabled;
  return (
    <Switch
      size="sm"
      checked={checked}
      onChange={(e) => toggle.mutate(e.currentTarget.checked)}
      disabled={toggle.isPending}
      label={checked ? t("aiKeys.enabled") : t("aiKeys.disabled")}
      aria-label={`${t("aiKeys.enabled")}: ${providerLabel(t, token.provider)} ${token.keyHint}`}
      data-testid="ai-key-enabled"
    />
  );
}

function UsageChart({ tokens }: { tokens: readonly AiToken[] }) {
  const { t } = useAdminT();
  const number = useNumber();
  const [days, setDays] = useState<RangeDays>(30);
  const [key, setKey] = useState("");
  const range = lastDays(days);
  const usage = useQuery(aiUsageOptions(range, key === "" ? null : key));
  const rows = usage.data ?? [];
  const byDay = new Map<string, { prompt: number; completion: number }>();
  for (const row of rows) {
    const sum = byDay.get(row.day) ?? { prompt: 0, completion: 0 };
    byDay.set(row.day, { prompt: sum.prompt + row.promptTokens, completion: sum.completion + row.completionTokens });
  }
  const calls = rows.reduce((a, r) => a + r.calls, 0);
  const failures = rows.reduce((a, r) => a + r.failures, 0);
  return (
    <Section
      id="ai-usage-heading"
      title={t("aiKeys.usageTitle")}
      text={t("aiKeys.usageText")}
      testId="ai-usage"
      aside={<RangeSwitch value={days} onChange={setDays} testId="ai-usage-range" />}
    >
      <Select
        label={t("aiKeys.usageKey")}
        data={[{ value: "", label: t("aiKeys.allKeys") }, ...tokens.map((k) => ({ value: k.id, label: `${providerLabel(t, k.provider)} ${k.keyHint}` }))]}
        value={key}
        onChange={(value) => setKey(value ?? "")}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
        maw={360}
        data-testid="ai-usage-key"
      />
      {usage.isPending ? (
        <Loading rows={1} height={120} testId="ai-usage-loading" />
      ) : !usage.data ? (
        <LoadFailed error={usage.error} heading={t("aiKeys.usageFailed")} onRetry={() => void usage.refetch()} testId="ai-usage-error" />
      ) : (
        <>
          <DailyChart
            days={eachDay(range).map((day): ChartDay => {
              const sum = byDay.get(day);
              return { day, values: sum ?? {} };
            })}
            series={[
              { key: "prompt", label: t("adminOverview.prompt") },
              { key: "completion", label: t("adminOverview.completion") },
            ]}
            caption={t("aiKeys.usageChart")}
            testId="ai-usage-chart"
            totalLabel={t("adminCommon.total")}
            dayLabel={t("adminCommon.day")}
          />
          <Text size="sm" data-testid="ai-usage-calls">
            {t("aiKeys.usageCalls", { calls: number(calls), failures: number(failures) })}
          </Text>
        </>
      )}
    </Section>
  );
}

type Dialog = { kind: "edit" | "remove"; token: AiToken } | null;

/** Platform admins: the provider keys with their health (polled every 5 s), adding, editing, removing, usage. */
export function AdminAiKeysPage() {
  const { t } = useAdminT();
  const number = useNumber();
  const tokens = useQuery(aiTokensOptions);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const list = [...(tokens.data ?? [])].sort((a, b) => a.priority - b.priority || a.provider.localeCompare(b.provider));

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="ai-keys">
      <PageHead title={t("aiKeys.title")} tagline={t("aiKeys.tagline")} />
      <Section id="ai-keys-list-heading" title={t("aiKeys.listTitle")} text={t("aiKeys.refreshHint")} testId="ai-keys-list-section">
        {tokens.isPending ? (
          <Loading testId="ai-keys-loading" />
        ) : !tokens.data ? (
          <LoadFailed error={tokens.error} heading={t("aiKeys.loadFailed")} onRetry={() => void tokens.refetch()} testId="ai-keys-error" />
        ) : list.length === 0 ? (
          <Empty title={t("aiKeys.emptyTitle")} text={t("aiKeys.empty")} testId="ai-keys-empty" />
        ) : (
          <>
            {tokens.error ? <ProblemAlert error={tokens.error} heading={t("aiKeys.loadFailed")} testId="ai-keys-refresh-error" /> : null}
            <Table className="rx-card-table" verticalSpacing="xs" aria-labelledby="ai-keys-list-heading" data-testid="ai-keys-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("aiKeys.key")}</Table.Th>
                  <Table.Th scope="col" className="rx-num">{t("aiKeys.priority")}</Table.Th>
                  <Table.Th scope="col">{t("aiKeys.health")}</Table.Th>
                  <Table.Th scope="col">{t("aiKeys.load")}</Table.Th>
                  <Table.Th scope="col">{t("aiKeys.limits")}</Table.Th>
                  <Table.Th scope="col">{t("aiKeys.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((token) => {
                  const s = token.status;
                  return (
                    <Table.Tr key={token.id} data-testid="ai-key-row" data-key-id={token.id} data-circuit={s.circuit} data-enabled={token.enabled}>
                      <Table.Th scope="row" data-label={t("aiKeys.key")} fw={400}>
                        <Text size="sm" fw={600}>
                          {providerLabel(t, token.provider)}{" "}
                          <Text span size="xs" className="rx-mono">
                            {token.keyHint}
                          </Text>
                        </Text>
                        <Text size="xs" c="dimmed" className="rx-break">
                          {t("aiKeys.models")}: {token.models.length > 0 ? token.models.join(", ") : t("aiKeys.anyModel")}
                        </Text>
                        {token.baseUrl ? (
                          <Text size="xs" c="dimmed" className="rx-mono rx-break">
                            {token.baseUrl}
                          </Text>
                        ) : null}
                      </Table.Th>
                      <Table.Td data-label={t("aiKeys.priority")} className="rx-num">
                        <Text size="sm">{number(token.priority)}</Text>
                      </Table.Td>
                      <Table.Td data-label={t("aiKeys.health")}>
                        <Stack gap={2} align="flex-start">
                          <Badge variant="light" color={circuitColors[s.circuit] ?? "gray"} size="sm" data-testid="ai-key-circuit">
                            {circuitLabel(t, s.circuit)}
                          </Badge>
                          {s.openUntil ? (
                            <Text size="xs" c="dimmed">
                              {t("aiKeys.openUntil", { time: formatTime(s.openUntil) })}
                            </Text>
                          ) : null}
                          {s.lastError ? (
                            <Text size="xs" c="red.8" className="rx-break" lineClamp={3} title={s.lastError}>
                              {t("aiKeys.lastError")}: {s.lastError}
                            </Text>
                          ) : null}
                        </Stack>
                      </Table.Td>
                      <Table.Td data-label={t("aiKeys.load")}>
                        <Stack gap={0}>
                          <Text size="xs">{t("aiKeys.inFlight", { count: number(s.inFlight) })}</Text>
                          <Text size="xs">{t("aiKeys.perMinute", { count: number(s.requestsInWindow) })}</Text>
                          <Text size="xs">{t("aiKeys.tokensToday", { count: number(s.tokensToday) })}</Text>
                          <Text size="xs" c="dimmed">
                            {t("aiKeys.requests", { requests: number(s.totalRequests), failures: number(s.totalFailures) })}
                          </Text>
                        </Stack>
                      </Table.Td>
                      <Table.Td data-label={t("aiKeys.limits")}>
                        <Stack gap={0}>
                          {token.rpm === null && token.dailyLimit === null ? (
                            <Text size="xs" c="dimmed">
                              {t("aiKeys.noLimits")}
                            </Text>
                          ) : null}
                          {token.rpm !== null ? <Text size="xs">{t("aiKeys.rpmValue", { count: number(token.rpm) })}</Text> : null}
                          {token.dailyLimit !== null ? <Text size="xs">{t("aiKeys.dailyValue", { count: number(token.dailyLimit) })}</Text> : null}
                        </Stack>
                      </Table.Td>
                      <Table.Td data-label={t("aiKeys.actions")}>
                        <Stack gap={6} align="flex-start">
                          <EnabledSwitch token={token} />
                          <Group gap={6}>
                            <Button size="compact-xs" variant="light" onClick={() => setDialog({ kind: "edit", token })} data-testid="ai-key-edit">
                              {t("aiKeys.edit")}
                            </Button>
                            <Button size="compact-xs" variant="light" color="red" onClick={() => setDialog({ kind: "remove", token })} data-testid="ai-key-remove">
                              {t("aiKeys.remove")}
                            </Button>
                          </Group>
                        </Stack>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Section>
      <Section id="ai-key-form-heading" title={t("aiKeys.addTitle")} text={t("aiKeys.addText")} testId="ai-key-add-section">
        <KeyForm />
      </Section>
      <UsageChart tokens={list} />
      <Modal
        opened={dialog !== null}
        onClose={close}
        title={
          dialog === null
            ? ""
            : dialog.kind === "edit"
              ? t("aiKeys.editTitle", { provider: providerLabel(t, dialog.token.provider), hint: dialog.token.keyHint })
              : t("aiKeys.confirmRemoveTitle")
        }
        size={dialog?.kind === "edit" ? "xl" : "md"}
        closeButtonProps={{ "aria-label": t("adminCommon.close") }}
        // In the page's main: the dialog's <header> is then not a second banner landmark.
        withinPortal={false}
        data-testid="ai-key-dialog"
      >
        {dialog?.kind === "edit" ? <KeyForm key={dialog.token.id} token={dialog.token} onDone={close} /> : null}
        {dialog?.kind === "remove" ? <ConfirmRemove token={dialog.token} onClose={close} /> : null}
      </Modal>
    </Stack>
  );
}

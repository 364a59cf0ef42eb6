import { Alert, Anchor, Badge, Button, Group, Modal, Paper, PasswordInput, Radio, Select, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useChannelsT } from "../channels/i18n";
import { botModes, botStatuses, botTokenPattern, connectBot, disconnectBot, rotateBotToken, startBot, stopBot, type Bot, type BotMode } from "../api/channels";
import { ApiError, errorText } from "../api/errors";
import type { Assistant } from "../api/types";
import "../channels/channels.css";
import { formatCount } from "../channels/numbers";
import { botsOptions, botsPollMs, removeBot, storeBot } from "../channels/queries";
import { useBotFeed } from "../channels/useBotFeed";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import type { FeedState } from "../desk/useAccountFeed";
import { assistantsOptions } from "../knowledge/queries";
import { notify } from "../notify";
import { Link, assistantPath } from "../router";

const statusColors: Record<string, string> = { starting: "blue", running: "green", stopped: "gray", failed: "red" };

/** The server connects bots in polling mode only (it refuses webhook with a field error), so every bot polls. */
const connectedMode: BotMode = "polling";

function knownStatus(status: string): status is (typeof botStatuses)[number] {
  return (botStatuses as readonly string[]).includes(status);
}

function BotStatusBadge({ status }: { status: string }) {
  const { t } = useChannelsT();
  return (
    <Badge color={statusColors[status] ?? "gray"} variant="light" data-testid="bot-status">
      {knownStatus(status) ? t(`bots.status.${status}`) : t("bots.status.unknown")}
    </Badge>
  );
}

function FeedIndicator({ feed }: { feed: FeedState }) {
  const { t } = useChannelsT();
  const open = feed.state === "open";
  return (
    <span className="rx-feed" data-state={feed.state} role="status" data-testid="bots-feed-state">
      <span className="rx-feed-dot" data-color={open ? "green" : feed.state === "failed" ? "red" : "yellow"} aria-hidden="true" />
      <Text span size="xs" c="dimmed">
        {open ? t("bots.live", { seconds: botsPollMs / 1000 }) : feed.error ? `${t(`desk.feed.${feed.state}`)}: ${feed.error.title}` : t(`desk.feed.${feed.state}`)}
      </Text>
    </span>
  );
}

function TokenHint() {
  const { t } = useChannelsT();
  return <>{t("bots.tokenHint")}</>;
}

/** A token field with the server's format check before it is sent. */
function tokenProblem(token: string, t: (key: "bots.tokenRequired" | "bots.tokenFormat") => string): string | null {
  const value = token.trim();
  if (!value) return t("bots.tokenRequired");
  if (value.length > 100 || !botTokenPattern.test(value)) return t("bots.tokenFormat");
  return null;
}

function RotateToken({ bot, opened, onClose }: { bot: Bot; opened: boolean; onClose: () => void }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const [token, setToken] = useState("");
  const [tried, setTried] = useState(false);
  const rotate = useMutation({
    mutationFn: () => rotateBotToken(bot.id, token.trim()),
    onSuccess: (updated) => {
      storeBot(client, updated);
      notify({ color: "green", title: t("bots.rotated"), message: `@${updated.username}`, autoClose: 4_000 });
      close();
    },
  });
  const close = () => {
    setToken("");
    setTried(false);
    rotate.reset();
    onClose();
  };
  const local = tokenProblem(token, t);
  const server = rotate.error instanceof ApiError ? rotate.error.fieldErrors("token").join(" ") : "";
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTried(true);
    if (local || rotate.isPending) return;
    rotate.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={t("bots.rotateTitle", { username: bot.username })} centered lockScroll={false} closeButtonProps={{ "aria-label": t("app.close") }}>
      <form onSubmit={submit} noValidate data-testid="bot-rotate-form">
        <Stack>
          <Text size="sm">{t("bots.rotateText")}</Text>
          <PasswordInput
            label={t("bots.token")}
            description={<TokenHint />}
            value={token}
            onChange={(e) => {
              setToken(e.currentTarget.value);
              if (rotate.isError) rotate.reset();
            }}
            error={server || (tried ? local : null)}
            autoComplete="off"
            spellCheck={false}
            required
            visibilityToggleButtonProps={{ "aria-label": t("bots.token") }}
            data-testid="bot-rotate-token"
            data-autofocus
          />
          {rotate.isError ? <ProblemAlert error={rotate.error} heading={t("bots.connectFailed")} testId="bot-rotate-error" /> : null}
          {rotate.isPending ? (
            <Text size="sm" c="dimmed" role="status">
              {t("bots.connecting")}
            </Text>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("app.cancel")}
            </Button>
            <Button type="submit" loading={rotate.isPending} data-testid="bot-rotate-save">
              {t("bots.rotateSave")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Disconnect({ bot, opened, onClose }: { bot: Bot; opened: boolean; onClose: () => void }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => disconnectBot(bot.id),
    onSuccess: () => {
      removeBot(client, bot.id);
      notify({ color: "blue", title: t("bots.disconnected"), message: `@${bot.username}`, autoClose: 4_000 });
      onClose();
    },
  });
  return (
    <Modal
      opened={opened}
      onClose={() => {
        remove.reset();
        onClose();
      }}
      title={t("bots.disconnectTitle", { username: bot.username })}
      centered
      lockScroll={false}
      closeButtonProps={{ "aria-label": t("app.close") }}
    >
      <Stack>
        <Text size="sm">{t("bots.disconnectText")}</Text>
        {remove.isError ? <ProblemAlert error={remove.error} heading={t("bots.disconnectFailed")} testId="bot-disconnect-error" /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("app.cancel")}
          </Button>
          <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending} data-testid="bot-disconnect-confirm">
            {t("bots.disconnect")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function BotRow({ bot, assistant }: { bot: Bot; assistant: Assistant | undefined }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const [modal, setModal] = useState<"rotate" | "disconnect" | null>(null);
  const power = useMutation({
    mutationFn: (which: "start" | "stop") => (which === "start" ? startBot(bot.id) : stopBot(bot.id)),
    onSuccess: (updated) => storeBot(client, updated),
    onError: (error, which) => {
      notify({ color: "red", title: t(which === "start" ? "bots.startFailed" : "bots.stopFailed"), message: errorText(error) });
    },
  });
  const running = bot.status === "running" || bot.status === "starting";
  const failed = bot.status === "failed";
  const headingId = `bot-${bot.id}`;
  return (
    <li>
      <Paper withBorder radius="md" p="md" data-testid="bot-row" data-status={bot.status} data-bot-id={bot.id} aria-labelledby={headingId} component="article">
        <Stack gap="sm">
          <Group justify="space-between" gap="sm" wrap="wrap" align="flex-start">
            <div className="rx-min0">
              <Group gap="xs" wrap="wrap">
                <Title order={3} size="h5" id={headingId} className="rx-break">
                  <Anchor href={`https://t.me/${encodeURIComponent(bot.username)}`} target="_blank" rel="noopener noreferrer" data-testid="bot-username">
                    @{bot.username}
                  </Anchor>
                </Title>
                <BotStatusBadge status={bot.status} />
              </Group>
              <Text size="sm" c="dimmed" mt={2} className="rx-break">
                {t("bots.assistant")}:{" "}
                {assistant ? (
                  <Anchor component={Link} href={assistantPath(assistant.id)} size="sm" data-testid="bot-assistant">
                    {assistant.name}
                  </Anchor>
                ) : (
                  <span data-testid="bot-assistant">{t("bots.assistantUnknown")}</span>
                )}
                {" · "}
                {t("bots.mode")}: <span data-testid="bot-mode">{t(`bots.modes.${connectedMode}`)}</span>
              </Text>
            </div>
            <Group gap="xs" role="group" aria-label={t("bots.actions", { username: bot.username })}>
              {running ? (
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => power.mutate("stop")}
                  loading={power.isPending && power.variables === "stop"}
                  disabled={power.isPending}
                  data-testid="bot-stop"
                >
                  {t("bots.stop")}
                </Button>
              ) : (
                <Button size="xs" onClick={() => power.mutate("start")} loading={power.isPending && power.variables === "start"} disabled={power.isPending} data-testid="bot-start">
                  {t("bots.start")}
                </Button>
              )}
              <Button size="xs" variant="light" onClick={() => setModal("rotate")} data-testid="bot-rotate">
                {t("bots.rotate")}
              </Button>
              <Button size="xs" variant="subtle" color="red" onClick={() => setModal("disconnect")} data-testid="bot-disconnect">
                {t("bots.disconnect")}
              </Button>
            </Group>
          </Group>
          {failed ? (
            <Alert color="red" variant="light" title={t("bots.failedTitle")} data-testid="bot-error">
              <Text size="sm" fw={600} className="rx-break">
                {bot.lastError ?? t("bots.status.failed")}
              </Text>
              <Text size="sm" mt={4}>
                {t("bots.failedHint")}
              </Text>
            </Alert>
          ) : bot.lastError ? (
            <Text size="sm" c="red" className="rx-break" data-testid="bot-error">
              {t("bots.lastError")}: {bot.lastError}
            </Text>
          ) : null}
          <dl className="rx-bot-counters" data-testid="bot-counters">
            {(["updatesIn", "repliesOut", "rateLimited", "queueLength"] as const).map((key) => (
              <div key={key}>
                <dt>{t(`bots.counters.${key}`)}</dt>
                <dd data-testid={`bot-${key}`}>{formatCount(bot[key])}</dd>
              </div>
            ))}
          </dl>
        </Stack>
      </Paper>
      <RotateToken bot={bot} opened={modal === "rotate"} onClose={() => setModal(null)} />
      <Disconnect bot={bot} opened={modal === "disconnect"} onClose={() => setModal(null)} />
    </li>
  );
}

function ConnectForm({ assistants }: { assistants: Assistant[] }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const [assistantId, setAssistantId] = useState<string | null>(assistants.length === 1 ? (assistants[0]?.id ?? null) : null);
  const [token, setToken] = useState("");
  const [mode, setMode] = useState<BotMode>("polling");
  const [tried, setTried] = useState(false);
  const connect = useMutation({
    mutationFn: () => connectBot(assistantId ?? "", token.trim(), mode),
    onSuccess: (bot) => {
      storeBot(client, bot);
      void client.invalidateQueries({ queryKey: botsOptions.queryKey });
      notify({ color: "green", title: t("bots.connected", { username: bot.username }), message: t(`bots.status.${knownStatus(bot.status) ? bot.status : "unknown"}`), autoClose: 4_000 });
      setToken("");
      setTried(false);
    },
  });
  const problem = connect.error instanceof ApiError ? connect.error : null;
  const fieldError = (field: string) => {
    const messages = problem?.fieldErrors(field) ?? [];
    return messages.length > 0 ? messages.join(" ") : null;
  };
  const tokenLocal = tokenProblem(token, t);
  const assistantLocal = assistantId ? null : t("bots.assistantRequired");
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTried(true);
    if (tokenLocal || assistantLocal || connect.isPending) return;
    connect.mutate();
  };
  const clear = () => {
    if (connect.isError) connect.reset();
  };
  return (
    <form onSubmit={submit} noValidate data-testid="bot-connect-form">
      <Stack gap="md">
        <div className="rx-form-grid">
          <Select
            label={t("bots.assistant")}
            placeholder={t("bots.assistantPlaceholder")}
            data={assistants.map((a) => ({ value: a.id, label: a.name }))}
            value={assistantId}
            onChange={(value) => {
              setAssistantId(value);
              clear();
            }}
            error={fieldError("assistantId") ?? (tried ? assistantLocal : null)}
            required
            searchable={assistants.length > 8}
            allowDeselect={false}
            data-testid="bot-assistant-select"
          />
          <PasswordInput
            label={t("bots.token")}
            description={<TokenHint />}
            value={token}
            onChange={(e) => {
              setToken(e.currentTarget.value);
              clear();
            }}
            error={fieldError("token") ?? (tried ? tokenLocal : null)}
            autoComplete="off"
            spellCheck={false}
            required
            visibilityToggleButtonProps={{ "aria-label": t("bots.token") }}
            data-testid="bot-token"
          />
        </div>
        <Radio.Group
          label={t("bots.mode")}
          value={mode}
          onChange={(value) => {
            setMode(value);
            clear();
          }}
          error={fieldError("mode")}
          data-testid="bot-mode-select"
        >
          <Stack gap="xs" mt={6}>
            {botModes.map((m) => (
              <Radio key={m} value={m} label={t(`bots.modes.${m}`)} description={t(`bots.modeHints.${m}`)} data-testid={`bot-mode-${m}`} />
            ))}
          </Stack>
        </Radio.Group>
        {connect.isError ? <ProblemAlert error={connect.error} heading={t("bots.connectFailed")} testId="bot-connect-error" /> : null}
        <Group gap="sm">
          <Button type="submit" loading={connect.isPending} data-testid="bot-connect">
            {t("bots.connect")}
          </Button>
          {connect.isPending ? (
            <Text size="sm" c="dimmed" role="status">
              {t("bots.connecting")}
            </Text>
          ) : null}
        </Group>
      </Stack>
    </form>
  );
}

/** The account's Telegram bots: live status and counters, start and stop, token rotation, connecting new ones. */
export function BotsPage() {
  const { t } = useChannelsT();
  const feed = useBotFeed();
  const bots = useQuery(botsOptions);
  const assistants = useQuery(assistantsOptions);
  const byId = new Map((assistants.data ?? []).map((a) => [a.id, a]));
  const list = [...(bots.data ?? [])].sort((a, b) => a.username.localeCompare(b.username));
  const noAssistants = assistants.data?.length === 0;

  return (
    <Stack gap="lg" className="rx-page" data-testid="bots-page">
      <div>
        <Title order={1} size="h2">
          {t("bots.title")}
        </Title>
        <Text c="dimmed">{t("bots.tagline")}</Text>
      </div>
      <Section id="bots-list-heading" title={t("bots.listTitle")} testId="bots-list-section" aside={<FeedIndicator feed={feed} />}>
        {bots.isPending ? (
          <Stack gap="xs" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid="bots-loading">
            {[0, 1].map((i) => (
              <Skeleton key={i} height={120} radius="md" />
            ))}
          </Stack>
        ) : !bots.data ? (
          <ProblemAlert error={bots.error} heading={t("bots.loadFailed")} testId="bots-error">
            <Group mt={4}>
              <Button size="xs" variant="light" color="red" onClick={() => void bots.refetch()}>
                {t("app.retry")}
              </Button>
            </Group>
          </ProblemAlert>
        ) : list.length === 0 ? (
          <div className="rx-empty" data-testid="bots-empty">
            <Text fw={600}>{t("bots.emptyTitle")}</Text>
            <Text size="sm" c="dimmed" maw={560}>
              {t("bots.empty")}
            </Text>
            <Anchor href="https://t.me/BotFather" target="_blank" rel="noopener noreferrer" size="sm" data-testid="botfather-link">
              {t("bots.botFather")}
            </Anchor>
          </div>
        ) : (
          <ul className="rx-card-list" aria-labelledby="bots-list-heading" data-testid="bot-list">
            {list.map((bot) => (
              <BotRow key={bot.id} bot={bot} assistant={byId.get(bot.assistantId)} />
            ))}
          </ul>
        )}
        {bots.isError && bots.data ? (
          <Text size="sm" c="red" role="alert">
            {t("bots.refreshFailed")}: {errorText(bots.error)}
          </Text>
        ) : null}
      </Section>
      <Section id="bot-connect-heading" title={t("bots.connectTitle")} text={t("bots.connectText")} testId="bot-connect-section">
        {assistants.isPending ? (
          <div role="status" aria-busy="true" aria-label={t("app.loading")}>
            <Skeleton height={140} radius="md" />
          </div>
        ) : !assistants.data ? (
          <ProblemAlert error={assistants.error} heading={t("assistants.loadFailed")} testId="bot-assistants-error">
            <Group mt={4}>
              <Button size="xs" variant="light" color="red" onClick={() => void assistants.refetch()}>
                {t("app.retry")}
              </Button>
            </Group>
          </ProblemAlert>
        ) : noAssistants ? (
          <Alert color="blue" variant="light" data-testid="bots-no-assistants">
            <Text size="sm">{t("bots.emptyNoAssistants")}</Text>
            <Anchor component={Link} href="/assistants" size="sm">
              {t("assistants.title")}
            </Anchor>
          </Alert>
        ) : (
          <ConnectForm assistants={assistants.data} />
        )}
      </Section>
    </Stack>
  );
}

import { Badge, Button, Group, Modal, Paper, PasswordInput, Skeleton, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { inviteOperator, removeOperator } from "../api/account";
import { ApiError } from "../api/errors";
import type { AccountUser, OnlineOperator } from "../api/types";
import { useUser } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { accountUsersOptions, deskOptions } from "../desk/queries";
import { notify } from "../notify";
import { joined, passwordRules } from "../owner/fields";

type Presence = { state: "online" | "busy"; dialogs: number; limit: number } | { state: "offline" } | { state: "unknown" };

function presenceOf(person: AccountUser, online: readonly OnlineOperator[] | null): Presence {
  if (online === null) return { state: "unknown" };
  const entry = online.find((o) => o.operatorId === person.id);
  if (!entry) return { state: "offline" };
  return { state: entry.dialogs >= entry.limit ? "busy" : "online", dialogs: entry.dialogs, limit: entry.limit };
}

function PresenceBadge({ presence }: { presence: Presence }) {
  const { t } = useTranslation();
  const text =
    presence.state === "online"
      ? t("operators.online", { dialogs: presence.dialogs, limit: presence.limit })
      : presence.state === "busy"
        ? t("operators.busy", { dialogs: presence.dialogs, limit: presence.limit })
        : presence.state === "offline"
          ? t("operators.offline")
          : t("operators.presenceUnknown");
  return (
    <span className="rx-person-presence" data-testid="operator-presence" data-presence={presence.state}>
      <span className="rx-presence-dot" data-state={presence.state} aria-hidden="true" />
      <Text span size="sm">
        {text}
      </Text>
    </span>
  );
}

function RemoveModal({ person, onClose }: { person: AccountUser | null; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: (target: AccountUser) => removeOperator(target.id),
    onSuccess: (_result, target) => {
      client.setQueryData<AccountUser[] | null>(accountUsersOptions.queryKey, (list) => list?.filter((p) => p.id !== target.id) ?? list);
      void client.invalidateQueries({ queryKey: accountUsersOptions.queryKey });
      notify({ color: "green", title: t("operators.removed", { name: target.name }), message: target.email, autoClose: 4_000 });
      onClose();
    },
  });
  const close = () => {
    if (remove.isPending) return;
    remove.reset();
    onClose();
  };
  return (
    <Modal
      opened={person !== null}
      onClose={close}
      title={person ? t("operators.removeTitle", { name: person.name }) : ""}
      centered
      lockScroll={false}
      closeButtonProps={{ "aria-label": t("app.close") }}
    >
      {person ? (
        <Stack>
          <Text size="sm">{t("operators.removeText", { email: person.email })}</Text>
          {remove.isError ? <ProblemAlert error={remove.error} heading={t("operators.removeFailed")} testId="operator-remove-error" /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("app.cancel")}
            </Button>
            <Button color="red" onClick={() => remove.mutate(person)} loading={remove.isPending} data-testid="operator-remove-confirm">
              {t("operators.removeConfirm")}
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}

function People() {
  const { t } = useTranslation();
  const me = useUser();
  const people = useQuery({ ...accountUsersOptions, staleTime: 15_000, retry: 1 });
  const desk = useQuery(deskOptions);
  const [removing, setRemoving] = useState<AccountUser | null>(null);
  const online = desk.data ? desk.data.online : null;
  const list = [...(people.data ?? [])].sort(
    (a, b) => Number(b.role === "owner") - Number(a.role === "owner") || a.name.localeCompare(b.name),
  );
  const operators = list.filter((p) => p.role === "operator");

  if (people.isPending) {
    return (
      <Stack gap="xs" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid="operators-loading">
        <Skeleton height={56} radius="sm" />
        <Skeleton height={56} radius="sm" />
      </Stack>
    );
  }
  if (!people.data) {
    return (
      <ProblemAlert error={people.error ?? new Error(t("operators.loadFailed"))} heading={t("operators.loadFailed")} testId="operators-error">
        <Group mt={4}>
          <Button size="xs" variant="light" color="red" onClick={() => void people.refetch()}>
            {t("app.retry")}
          </Button>
        </Group>
      </ProblemAlert>
    );
  }
  return (
    <Stack gap="sm">
      <ul className="rx-card-list" aria-labelledby="people-heading" data-testid="operator-list">
        {list.map((person) => (
          <li key={person.id}>
            <Paper withBorder radius="md" p="sm" className="rx-person" data-testid="operator-item" data-operator-id={person.id} data-role={person.role}>
              <div className="rx-min0 rx-grow">
                <Group gap={6} wrap="wrap">
                  <Text fw={600} className="rx-break">
                    {person.name}
                    {person.id === me.id ? ` (${t("operators.you")})` : ""}
                  </Text>
                  <Badge size="sm" variant="light" color={person.role === "owner" ? "blue" : "gray"} data-testid="operator-role">
                    {t(`roles.${person.role}`)}
                  </Badge>
                  {person.blocked ? (
                    <Badge size="sm" variant="light" color="red">
                      {t("operators.blocked")}
                    </Badge>
                  ) : null}
                </Group>
                <Text size="sm" c="dimmed" className="rx-break">
                  {person.email}
                </Text>
              </div>
              <PresenceBadge presence={presenceOf(person, online)} />
              {person.role === "operator" ? (
                <Button
                  variant="subtle"
                  color="red"
                  size="compact-sm"
                  onClick={() => setRemoving(person)}
                  aria-label={t("operators.removeLabel", { name: person.name })}
                  data-testid="operator-remove"
                >
                  {t("operators.remove")}
                </Button>
              ) : null}
            </Paper>
          </li>
        ))}
      </ul>
      {operators.length === 0 ? (
        <div className="rx-empty rx-doc-empty" data-testid="operators-empty">
          <Text fw={600}>{t("operators.emptyTitle")}</Text>
          <Text size="sm" c="dimmed" maw={520}>
            {t("operators.empty")}
          </Text>
        </div>
      ) : null}
      <Text size="xs" c="dimmed">
        {online === null && !desk.isPending ? t("operators.presenceFailed") : t("operators.presenceHint")}
      </Text>
      <RemoveModal person={removing} onClose={() => setRemoving(null)} />
    </Stack>
  );
}

const inviteFields = ["name", "email", "password"] as const;

function InviteForm() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [checked, setChecked] = useState(false);
  const invite = useMutation({
    mutationFn: inviteOperator,
    onSuccess: (created) => {
      client.setQueryData<AccountUser[] | null>(accountUsersOptions.queryKey, (list) => (list ? [...list, created] : list));
      void client.invalidateQueries({ queryKey: accountUsersOptions.queryKey });
      notify({ color: "green", title: t("operators.invited", { name: created.name }), message: created.email, autoClose: 5_000 });
      setName("");
      setEmail("");
      setPassword("");
      setChecked(false);
    },
  });
  const problem = invite.error instanceof ApiError ? invite.error : null;
  const fieldError = (field: (typeof inviteFields)[number], value: string) =>
    checked && value.trim() === "" ? t("operators.required") : joined(problem?.fieldErrors(field) ?? []);
  const onlyFields = problem !== null && inviteFields.some((f) => problem.fieldErrors(f).length > 0);
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    if (!name.trim() || !email.trim() || !password) return;
    invite.mutate({ name: name.trim(), email: email.trim(), password });
  };
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    invite.reset();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="invite-heading" data-testid="invite-form">
      <Stack gap="sm">
        <div className="rx-form-grid">
          <TextInput
            label={t("operators.name")}
            required
            maxLength={200}
            autoComplete="off"
            value={name}
            onChange={(event) => edit(setName)(event.currentTarget.value)}
            error={fieldError("name", name)}
            data-testid="invite-name"
          />
          <TextInput
            label={t("operators.email")}
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(event) => edit(setEmail)(event.currentTarget.value)}
            error={fieldError("email", email)}
            data-testid="invite-email"
          />
          <PasswordInput
            label={t("operators.password")}
            description={passwordRules(t)}
            required
            autoComplete="new-password"
            value={password}
            onChange={(event) => edit(setPassword)(event.currentTarget.value)}
            error={fieldError("password", password)}
            data-testid="invite-password"
          />
        </div>
        {invite.error && !onlyFields ? <ProblemAlert error={invite.error} heading={t("operators.inviteFailed")} testId="invite-error" /> : null}
        <Group>
          <Button type="submit" loading={invite.isPending} data-testid="invite-submit">
            {t("operators.invite")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The account's people (owners): who they are, who is on the desk now, inviting and removing operators. */
export function OperatorsPage() {
  const { t } = useTranslation();
  return (
    <Stack gap="lg" className="rx-page" data-testid="operators-page">
      <div>
        <Title order={1} size="h2">
          {t("operators.title")}
        </Title>
        <Text c="dimmed">{t("operators.tagline")}</Text>
      </div>
      <Section id="people-heading" title={t("operators.listTitle")} text={t("operators.listText")} testId="people-section">
        <People />
      </Section>
      <Section id="invite-heading" title={t("operators.inviteTitle")} text={t("operators.inviteText")} testId="invite-section">
        <InviteForm />
      </Section>
    </Stack>
  );
}

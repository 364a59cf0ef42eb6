import { Alert, Button, Group, PasswordInput, Skeleton, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { changePassword, renameAccount, type Account } from "../api/account";
import { ApiError } from "../api/errors";
import { useAuth, useUser } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { notify } from "../notify";
import { joined, passwordRules } from "../owner/fields";
import { accountOptions, ownerKeys } from "../owner/queries";
import { Link } from "../router";

function AccountNameForm({ account }: { account: Account }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { user, adoptUser } = useAuth();
  const [name, setName] = useState(account.name);
  const [checked, setChecked] = useState(false);
  const save = useMutation({
    mutationFn: renameAccount,
    onSuccess: (updated) => {
      client.setQueryData(ownerKeys.account, updated);
      // The header shows the account's name from the session's user.
      if (user?.account) adoptUser({ ...user, account: { ...user.account, name: updated.name } });
      setName(updated.name);
      setChecked(false);
      notify({ color: "green", title: t("settings.accountSaved"), message: updated.name, autoClose: 3_000 });
    },
  });
  const problem = save.error instanceof ApiError ? save.error : null;
  const nameErrors = problem?.fieldErrors("name") ?? [];
  const empty = checked && name.trim() === "";
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    if (name.trim() === "") return;
    save.mutate(name.trim());
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="account-heading" data-testid="account-name-form">
      <Stack gap="sm">
        <TextInput
          label={t("settings.accountName")}
          value={name}
          onChange={(event) => {
            setName(event.currentTarget.value);
            save.reset();
          }}
          required
          maxLength={200}
          autoComplete="organization"
          error={empty ? t("settings.required") : joined(nameErrors)}
          data-testid="account-name"
        />
        {save.error && nameErrors.length === 0 ? <ProblemAlert error={save.error} heading={t("settings.accountFailed")} testId="account-name-error" /> : null}
        <Group>
          <Button type="submit" variant="light" loading={save.isPending} disabled={name.trim() === account.name} data-testid="account-name-save">
            {t("settings.accountSave")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function PasswordForm() {
  const { t } = useTranslation();
  const { adoptSession } = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [checked, setChecked] = useState(false);
  const [changed, setChanged] = useState(false);
  const save = useMutation({
    mutationFn: () => changePassword(current, next),
    onSuccess: (session) => {
      // Every other session has ended: this tab carries on with the fresh token (the new refresh cookie is set).
      adoptSession(session);
      setCurrent("");
      setNext("");
      setConfirm("");
      setChecked(false);
      setChanged(true);
    },
  });
  const problem = save.error instanceof ApiError ? save.error : null;
  const currentErrors = problem?.fieldErrors("currentPassword") ?? [];
  const nextErrors = problem?.fieldErrors("newPassword") ?? [];
  const mismatch = checked && confirm !== next;
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setChecked(true);
    setChanged(false);
    if (!current || !next || confirm !== next) return;
    save.mutate();
  };
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    setChanged(false);
    save.reset();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="password-heading" data-testid="password-form">
      <Stack gap="sm">
        {changed ? (
          <Alert color="green" title={t("settings.passwordChanged")} role="status" data-testid="password-changed">
            {t("settings.passwordChangedText")}
          </Alert>
        ) : null}
        <PasswordInput
          label={t("settings.currentPassword")}
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => edit(setCurrent)(event.currentTarget.value)}
          error={checked && !current ? t("settings.required") : joined(currentErrors)}
          data-testid="password-current"
        />
        <div className="rx-form-grid">
          <PasswordInput
            label={t("settings.newPassword")}
            description={passwordRules(t)}
            autoComplete="new-password"
            required
            value={next}
            onChange={(event) => edit(setNext)(event.currentTarget.value)}
            error={checked && !next ? t("settings.required") : joined(nextErrors)}
            data-testid="password-new"
          />
          <PasswordInput
            label={t("settings.confirmPassword")}
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(event) => edit(setConfirm)(event.currentTarget.value)}
            error={mismatch ? t("settings.mismatch") : undefined}
            data-testid="password-confirm"
          />
        </div>
        {save.error && currentErrors.length === 0 && nextErrors.length === 0 ? (
          <ProblemAlert error={save.error} heading={t("settings.passwordFailed")} testId="password-error" />
        ) : null}
        <Group>
          <Button type="submit" variant="light" loading={save.isPending} data-testid="password-save">
            {t("settings.passwordSave")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The owner's settings: the account's name, the password, and where the spending limits are. */
export function SettingsPage() {
  const { t } = useTranslation();
  const user = useUser();
  const owner = user.role === "owner" && user.account !== null;
  const account = useQuery({ ...accountOptions, enabled: owner });
  return (
    <Stack gap="lg" className="rx-page" data-testid="settings-page">
      <div>
        <Title order={1} size="h2">
          {t("settings.title")}
        </Title>
        <Text c="dimmed">{t("settings.tagline")}</Text>
      </div>
      {owner ? (
        <Section id="account-heading" title={t("settings.accountTitle")} text={t("settings.accountText")} testId="account-section">
          {account.isPending ? (
            <Skeleton height={64} radius="sm" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid="account-loading" />
          ) : !account.data ? (
            <ProblemAlert error={account.error} heading={t("settings.accountLoadFailed")} testId="account-error">
              <Group mt={4}>
                <Button size="xs" variant="light" color="red" onClick={() => void account.refetch()}>
                  {t("app.retry")}
                </Button>
              </Group>
            </ProblemAlert>
          ) : (
            <AccountNameForm key={account.data.name} account={account.data} />
          )}
        </Section>
      ) : null}
      <Section
        id="password-heading"
        title={t("settings.passwordTitle")}
        text={`${t("settings.signedInAs", { email: user.email })}. ${t("settings.passwordText")}`}
        testId="password-section"
      >
        <PasswordForm />
      </Section>
      {owner ? (
        <Section id="limits-link-heading" title={t("settings.limitsTitle")} text={t("settings.limitsText")} testId="limits-link-section">
          <Group>
            <Button component={Link} href="/balance" variant="light" data-testid="settings-balance-link">
              {t("settings.limitsLink")}
            </Button>
          </Group>
        </Section>
      ) : null}
    </Stack>
  );
}

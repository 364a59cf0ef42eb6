import { Alert, Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, errorText } from "../api/errors";
import { useAuth } from "../auth/AuthContext";
import { Link } from "../router";

interface Props {
  reason: "expired" | "signedOut" | null;
  restoreError: unknown;
}

export function LoginPage({ reason, restoreError }: Props) {
  const { t } = useTranslation();
  const { signIn } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    signIn(email.trim(), password)
      .catch((failure: unknown) => {
        setError(failure);
        setPending(false);
      });
  };

  const apiError = error instanceof ApiError ? error : null;
  const emailErrors = apiError?.fieldErrors("email") ?? [];
  const passwordErrors = apiError?.fieldErrors("password") ?? [];

  return (
    <div className="rx-login">
      <Paper withBorder shadow="sm" p="xl" radius="md" className="rx-login-card">
        <form onSubmit={submit} noValidate aria-labelledby="login-title" data-testid="login-form">
          <Stack gap="md">
            <div>
              <Title order={1} size="h2" id="login-title">
                {t("login.title")}
              </Title>
              <Text c="dimmed" size="sm">
                {t("login.subtitle")}
              </Text>
            </div>
            {reason === "expired" ? (
              <Alert color="yellow" data-testid="login-expired">
                {t("login.expired")}
              </Alert>
            ) : null}
            {reason === "signedOut" ? (
              <Alert color="gray" data-testid="login-signed-out">
                {t("login.signedOut")}
              </Alert>
            ) : null}
            {restoreError ? (
              <Alert color="yellow" title={t("login.restoreFailed")}>
                {errorText(restoreError)}
              </Alert>
            ) : null}
            {error ? (
              <Alert color="red" title={apiError?.title ?? t("errors.generic")} role="alert" data-testid="login-error">
                {apiError ? (apiError.detail ?? null) : errorText(error)}
              </Alert>
            ) : null}
            <TextInput
              label={t("login.email")}
              type="email"
              name="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={emailErrors.length ? emailErrors.join(" ") : undefined}
              data-testid="login-email"
            />
            <PasswordInput
              label={t("login.password")}
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={passwordErrors.length ? passwordErrors.join(" ") : undefined}
              data-testid="login-password"
            />
            <Button type="submit" loading={pending} fullWidth data-testid="login-submit">
              {t("login.submit")}
            </Button>
            <Text size="xs" c="dimmed">
              {t("login.help")}
            </Text>
            <Text size="sm">
              {t("signup.noAccount")}{" "}
              <Anchor component={Link} href="/register" data-testid="login-register-link">
                {t("signup.register")}
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </div>
  );
}

import { Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { register, type RegisterRequest } from "../api/account";
import { ApiError } from "../api/errors";
import { useAuth } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";
import { joined, passwordRules } from "../owner/fields";
import { Link, useLocation } from "../router";

const fields = ["name", "accountName", "email", "password", "referralCode"] as const;

/** A new business account and its owner; signed in on success (the app then opens the first-run guide). */
export function SignUpPage() {
  const { t } = useTranslation();
  const { adoptSession } = useAuth();
  const location = useLocation();
  const [name, setName] = useState("");
  const [accountName, setAccountName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [referralCode, setReferralCode] = useState(() => location.search.get("ref")?.trim() ?? "");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    const request: RegisterRequest = { name: name.trim(), email: email.trim(), password };
    if (accountName.trim()) request.accountName = accountName.trim();
    if (referralCode.trim()) request.referralCode = referralCode.trim();
    register(request)
      .then((session) => adoptSession(session))
      .catch((failure: unknown) => {
        setError(failure);
        setPending(false);
      });
  };

  const problem = error instanceof ApiError ? error : null;
  const fieldError = (field: (typeof fields)[number]) => joined(problem?.fieldErrors(field) ?? []);
  // The alert repeats nothing the fields already show: it is for problems without field errors.
  const onlyFields = problem !== null && fields.some((f) => problem.fieldErrors(f).length > 0);

  return (
    <div className="rx-login" data-testid="signup-page">
      <Paper withBorder shadow="sm" p="xl" radius="md" className="rx-login-card">
        <form onSubmit={submit} noValidate aria-labelledby="signup-title" data-testid="signup-form">
          <Stack gap="md">
            <div>
              <Title order={1} size="h2" id="signup-title">
                {t("signup.title")}
              </Title>
              <Text c="dimmed" size="sm">
                {t("signup.subtitle")}
              </Text>
            </div>
            {error && !onlyFields ? <ProblemAlert error={error} heading={t("signup.failed")} testId="signup-error" /> : null}
            <TextInput
              label={t("signup.name")}
              name="name"
              autoComplete="name"
              required
              autoFocus
              maxLength={200}
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={fieldError("name")}
              data-testid="signup-name"
            />
            <TextInput
              label={t("signup.accountName")}
              description={t("signup.accountNameHint")}
              name="organization"
              autoComplete="organization"
              maxLength={200}
              value={accountName}
              onChange={(event) => setAccountName(event.currentTarget.value)}
              error={fieldError("accountName")}
              data-testid="signup-account-name"
            />
            <TextInput
              label={t("signup.email")}
              type="email"
              name="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={fieldError("email")}
              data-testid="signup-email"
            />
            <PasswordInput
              label={t("signup.password")}
              name="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={fieldError("password")}
              description={passwordRules(t, true)}
              data-testid="signup-password"
            />
            <TextInput
              label={t("signup.referralCode")}
              description={t("signup.referralHint")}
              name="referralCode"
              autoComplete="off"
              maxLength={64}
              value={referralCode}
              onChange={(event) => setReferralCode(event.currentTarget.value)}
              error={fieldError("referralCode")}
              data-testid="signup-referral"
            />
            <Button type="submit" loading={pending} fullWidth data-testid="signup-submit">
              {t("signup.submit")}
            </Button>
            <Text size="sm">
              {t("signup.haveAccount")}{" "}
              <Anchor component={Link} href="/login" data-testid="signup-login-link">
                {t("signup.signIn")}
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </div>
  );
}

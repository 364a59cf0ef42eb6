import { Center, Loader, Stack, Text } from "@mantine/core";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { DeskPage } from "./pages/DeskPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { StatusPage } from "./pages/StatusPage";
import { matchRoute, navigate, useLocation } from "./router";

/** Where to go after sign-in: only a path of this site. */
function safeNext(value: string | null): string {
  return value?.startsWith("/") && !value.startsWith("//") && !value.startsWith("/login") ? value : "/";
}

export function App() {
  const { t } = useTranslation();
  const { state } = useAuth();
  const location = useLocation();
  const route = matchRoute(location.path);
  const signedIn = state.status === "signedIn";
  const needsSignIn = route.name === "desk" && state.status === "signedOut";
  const leaveLogin = route.name === "login" && signedIn;

  useEffect(() => {
    if (needsSignIn) {
      const next = location.path === "/" ? "" : `?next=${encodeURIComponent(location.path + (location.search.size ? `?${location.search.toString()}` : ""))}`;
      navigate(`/login${next}`, { replace: true });
    } else if (leaveLogin) {
      navigate(safeNext(location.search.get("next")), { replace: true });
    }
  }, [needsSignIn, leaveLogin, location]);

  useEffect(() => {
    const titles = { desk: t("desk.title"), login: t("login.title"), status: t("status.title"), notFound: t("notFound.title") };
    document.title = `${titles[route.name]} · ReplyX`;
  }, [route.name, t]);

  if (route.name === "status") {
    return (
      <Layout>
        <StatusPage />
      </Layout>
    );
  }
  if (route.name === "notFound") {
    return (
      <Layout>
        <NotFoundPage />
      </Layout>
    );
  }
  if (state.status === "restoring" || needsSignIn || leaveLogin) {
    return (
      <Center h="100dvh">
        <Stack align="center" gap="xs" role="status" aria-live="polite">
          <Loader />
          <Text c="dimmed">{t("app.restoring")}</Text>
        </Stack>
      </Center>
    );
  }
  if (route.name === "login" || state.status === "signedOut") {
    return (
      <Layout>
        <LoginPage reason={state.status === "signedOut" ? state.reason : null} restoreError={state.status === "signedOut" ? state.restoreError : null} />
      </Layout>
    );
  }
  return (
    <Layout fullHeight>
      <DeskPage dialogId={route.dialogId} />
    </Layout>
  );
}

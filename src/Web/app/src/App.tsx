import { Alert, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { Suspense, lazy, useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { DeskPage } from "./pages/DeskPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { StatusPage } from "./pages/StatusPage";
import { matchRoute, navigate, useLocation, type Route } from "./router";

// The owner's pages load on first use: operators, who only use the desk, never download them.
const AssistantsPage = lazy(() => import("./pages/AssistantsPage").then((m) => ({ default: m.AssistantsPage })));
const DocumentsPage = lazy(() => import("./pages/DocumentsPage").then((m) => ({ default: m.DocumentsPage })));
const AssistantEditPage = lazy(() => import("./pages/AssistantEditPage").then((m) => ({ default: m.AssistantEditPage })));
const BotsPage = lazy(() => import("./pages/BotsPage").then((m) => ({ default: m.BotsPage })));
const BalancePage = lazy(() => import("./pages/BalancePage").then((m) => ({ default: m.BalancePage })));
// The platform admins' pages.
const AdminPricesPage = lazy(() => import("./pages/AdminPricesPage").then((m) => ({ default: m.AdminPricesPage })));
const AdminPromoCodesPage = lazy(() => import("./pages/AdminPromoCodesPage").then((m) => ({ default: m.AdminPromoCodesPage })));

function PageLoading() {
  const { t } = useTranslation();
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Loader aria-label={t("app.loading")} />
    </Center>
  );
}

/** The routes behind the sign-in. */
const signedInRoutes = new Set<Route["name"]>(["desk", "assistants", "documents", "assistantEdit", "bots", "balance", "adminPrices", "adminPromoCodes"]);

/** Where to go after sign-in: only a path of this site. */
function safeNext(value: string | null): string {
  return value?.startsWith("/") && !value.startsWith("//") && !value.startsWith("/login") ? value : "/";
}


/** A page this user may not open: its title and why. */
function Refused({ testId, title, reason, message }: { testId: string; title: string; reason: string; message: string }) {
  return (
    <Layout>
      <Stack className="rx-page" data-testid={testId}>
        <Title order={1} size="h2">
          {title}
        </Title>
        <Alert color="blue" title={reason}>
          {message}
        </Alert>
      </Stack>
    </Layout>
  );
}

/** A page loaded on first use, in the layout. */
function LazyPage({ children }: { children: ReactNode }) {
  return (
    <Layout>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </Layout>
  );
}

export function App() {
  const { t } = useTranslation();
  const { state } = useAuth();
  const location = useLocation();
  const route = matchRoute(location.path);
  const signedIn = state.status === "signedIn";
  const needsSignIn = signedInRoutes.has(route.name) && state.status === "signedOut";
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
    const titles = {
      desk: t("desk.title"),
      login: t("login.title"),
      status: t("status.title"),
      assistants: t("assistants.title"),
      documents: t("documents.title"),
      assistantEdit: t("assistantEdit.title"),
      bots: t("bots.title"),
      balance: t("balance.title"),
      adminPrices: t("adminPrices.title"),
      adminPromoCodes: t("adminPromo.title"),
      notFound: t("notFound.title"),
    };
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
  const owner = state.user.role === "owner" && state.user.account !== null;
  if (route.name === "assistants" || route.name === "documents" || route.name === "assistantEdit") {
    // Assistants and their knowledge bases are the owner's (the API answers 403 to anyone else).
    if (!owner) {
      const title = { assistants: "assistants.title", documents: "documents.title", assistantEdit: "assistantEdit.title" } as const;
      return (
        <Refused testId="owner-only" title={t(title[route.name])}
          reason={t("assistants.ownerOnlyTitle")} message={t("assistants.ownerOnly")} />
      );
    }
    return (
      <LazyPage>
        {route.name === "assistants" ? (
          <AssistantsPage />
        ) : route.name === "documents" ? (
          <DocumentsPage key={route.assistantId} assistantId={route.assistantId} />
        ) : (
          <AssistantEditPage key={route.assistantId} assistantId={route.assistantId} />
        )}
      </LazyPage>
    );
  }
  if (route.name === "bots") {
    // Bots are the owner's (the API answers 403 to anyone else).
    if (!owner) {
      return <Refused testId="owner-only" title={t("bots.title")} reason={t("assistants.ownerOnlyTitle")} message={t("bots.ownerOnly")} />;
    }
    return (
      <LazyPage>
        <BotsPage />
      </LazyPage>
    );
  }
  if (route.name === "balance") {
    // The account's money is the owner's (the API answers 403 to anyone else).
    if (!owner) {
      return <Refused testId="owner-only" title={t("balance.title")} reason={t("assistants.ownerOnlyTitle")} message={t("balance.ownerOnly")} />;
    }
    return (
      <LazyPage>
        <BalancePage />
      </LazyPage>
    );
  }
  if (route.name === "adminPrices" || route.name === "adminPromoCodes") {
    if (state.user.role !== "admin") {
      return (
        <Refused testId="admin-only" title={t(route.name === "adminPrices" ? "adminPrices.title" : "adminPromo.title")}
          reason={t("adminPrices.adminOnlyTitle")} message={t("adminPrices.adminOnly")} />
      );
    }
    return <LazyPage>{route.name === "adminPrices" ? <AdminPricesPage /> : <AdminPromoCodesPage />}</LazyPage>;
  }
  return (
    <Layout fullHeight>
      <DeskPage dialogId={route.dialogId} />
    </Layout>
  );
}

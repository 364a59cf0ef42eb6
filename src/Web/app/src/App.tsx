import { Alert, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { Suspense, lazy, useEffect, type ReactNode } from "react";
import { useChannelsT } from "./channels/i18n";
import { useAuth } from "./auth/AuthContext";
import { useQuery } from "@tanstack/react-query";
import { Layout } from "./components/Layout";
import { assistantsOptions } from "./knowledge/queries";
import { DeskPage } from "./pages/DeskPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { StatusPage } from "./pages/StatusPage";
import { matchRoute, navigate, useLocation, type Route } from "./router";
import { useAdminT } from "./admin/i18n";
import { AdminNav, adminRoutes, isAdminRoute, type AdminRoute } from "./admin/AdminNav";

// The owner's pages load on first use: operators, who only use the desk, never download them.
const AssistantsPage = lazy(() => import("./pages/AssistantsPage").then((m) => ({ default: m.AssistantsPage })));
const DocumentsPage = lazy(() => import("./pages/DocumentsPage").then((m) => ({ default: m.DocumentsPage })));
const AssistantEditPage = lazy(() => import("./pages/AssistantEditPage").then((m) => ({ default: m.AssistantEditPage })));
const BotsPage = lazy(() => import("./pages/BotsPage").then((m) => ({ default: m.BotsPage })));
const BalancePage = lazy(() => import("./pages/BalancePage").then((m) => ({ default: m.BalancePage })));
// The platform admins' pages.
const AdminPricesPage = lazy(() => import("./pages/AdminPricesPage").then((m) => ({ default: m.AdminPricesPage })));
const AdminPromoCodesPage = lazy(() => import("./pages/AdminPromoCodesPage").then((m) => ({ default: m.AdminPromoCodesPage })));
const AdminOverviewPage = lazy(() => import("./pages/AdminOverviewPage").then((m) => ({ default: m.AdminOverviewPage })));
const AdminUsersPage = lazy(() => import("./pages/AdminUsersPage").then((m) => ({ default: m.AdminUsersPage })));
const AdminAiKeysPage = lazy(() => import("./pages/AdminAiKeysPage").then((m) => ({ default: m.AdminAiKeysPage })));
const AdminBotsPage = lazy(() => import("./pages/AdminBotsPage").then((m) => ({ default: m.AdminBotsPage })));
const AdminClusterPage = lazy(() => import("./pages/AdminClusterPage").then((m) => ({ default: m.AdminClusterPage })));
const AdminAuditPage = lazy(() => import("./pages/AdminAuditPage").then((m) => ({ default: m.AdminAuditPage })));
// Sign-up, the owner's first-run guide, settings, operators and usage.
const SignUpPage = lazy(() => import("./pages/SignUpPage").then((m) => ({ default: m.SignUpPage })));
const StartPage = lazy(() => import("./pages/StartPage").then((m) => ({ default: m.StartPage })));
const SettingsPage = lazy(() => import("./pages/SettingsPage").then((m) => ({ default: m.SettingsPage })));
const OperatorsPage = lazy(() => import("./pages/OperatorsPage").then((m) => ({ default: m.OperatorsPage })));
const UsagePage = lazy(() => import("./pages/UsagePage").then((m) => ({ default: m.UsagePage })));

function PageLoading() {
  const { t } = useChannelsT();
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Loader aria-label={t("app.loading")} />
    </Center>
  );
}

/** The routes behind the sign-in. */
const signedInRoutes = new Set<Route["name"]>(["desk", "assistants", "documents", "assistantEdit", "bots", "balance", "start", "settings", "operators", "usage", ...adminRoutes]);

// Once per page load: an owner whose account has no assistant yet lands on the first-run guide instead of the desk.
let landingChecked = false;

function FirstRunLanding() {
  const assistants = useQuery(assistantsOptions);
  const none = assistants.data?.length === 0;
  const settled = assistants.data !== undefined || assistants.isError;
  useEffect(() => {
    if (landingChecked || !settled) return;
    landingChecked = true;
    if (none) navigate("/start", { replace: true });
  }, [none, settled]);
  return null;
}

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

/** A page loaded on first use, in the layout; the admin area's pages under its sub-navigation. */
function LazyPage({ children, admin }: { children: ReactNode; admin?: AdminRoute }) {
  return (
    <Layout>
      {admin ? <AdminNav current={admin} /> : null}
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </Layout>
  );
}

function AdminPage({ route }: { route: AdminRoute }) {
  switch (route) {
    case "adminOverview":
      return <AdminOverviewPage />;
    case "adminUsers":
      return <AdminUsersPage />;
    case "adminAiKeys":
      return <AdminAiKeysPage />;
    case "adminBots":
      return <AdminBotsPage />;
    case "adminCluster":
      return <AdminClusterPage />;
    case "adminAudit":
      return <AdminAuditPage />;
    case "adminPrices":
      return <AdminPricesPage />;
    case "adminPromoCodes":
      return <AdminPromoCodesPage />;
  }
}

export function App() {
  const { t } = useChannelsT();
  const { t: adminT } = useAdminT();
  const { state } = useAuth();
  const location = useLocation();
  const route = matchRoute(location.path);
  const signedIn = state.status === "signedIn";
  const needsSignIn = signedInRoutes.has(route.name) && state.status === "signedOut";
  const leaveLogin = (route.name === "login" || route.name === "register") && signedIn;
  const ownsAccount = signedIn && state.user.role === "owner" && state.user.account !== null;

  useEffect(() => {
    if (needsSignIn) {
      const next = location.path === "/" ? "" : `?next=${encodeURIComponent(location.path + (location.search.size ? `?${location.search.toString()}` : ""))}`;
      navigate(`/login${next}`, { replace: true });
    } else if (leaveLogin) {
      // A new account starts with the first-run guide.
      navigate(route.name === "register" ? (ownsAccount ? "/start" : "/") : safeNext(location.search.get("next")), { replace: true });
    }
  }, [needsSignIn, leaveLogin, location, route.name, ownsAccount]);

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
      adminOverview: adminT("adminOverview.title"),
      adminUsers: adminT("adminUsers.title"),
      adminAiKeys: adminT("aiKeys.title"),
      adminBots: adminT("adminBots.title"),
      adminCluster: adminT("cluster.title"),
      adminAudit: adminT("audit.title"),
      adminPrices: t("adminPrices.title"),
      adminPromoCodes: t("adminPromo.title"),
      notFound: t("notFound.title"),
      register: t("signup.title"),
      start: t("guide.title"),
      settings: t("settings.title"),
      operators: t("operators.title"),
      usage: t("usage.title"),
    };
    document.title = `${titles[route.name]} · ReplyX`;
  }, [route.name, t, adminT]);

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
  if (route.name === "register") {
    // Signed out (a signed-in user is sent on by the effect above).
    return (
      <LazyPage>
        <SignUpPage />
      </LazyPage>
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
  if (route.name === "start" || route.name === "operators" || route.name === "usage") {
    const titles = { start: t("guide.title"), operators: t("operators.title"), usage: t("usage.title") };
    const name = route.name;
    if (!owner) {
      return <Refused testId="owner-only" title={titles[name]} reason={t("assistants.ownerOnlyTitle")} message={t("settings.ownerOnly")} />;
    }
    return (
      <LazyPage>{name === "start" ? <StartPage /> : name === "operators" ? <OperatorsPage /> : <UsagePage />}</LazyPage>
    );
  }
  if (route.name === "settings") {
    // Anyone signed in changes their own password here; the account's name is the owner's.
    return (
      <LazyPage>
        <SettingsPage />
      </LazyPage>
    );
  }
  if (isAdminRoute(route)) {
    // The platform's administration is the admins' (the API answers 403 to anyone else).
    if (state.user.role !== "admin") {
      return <Refused testId="admin-only" title={t("adminNav.title")} reason={t("adminPrices.adminOnlyTitle")} message={t("adminPrices.adminOnly")} />;
    }
    return (
      <LazyPage admin={route.name}>
        <AdminPage route={route.name} />
      </LazyPage>
    );
  }
  return (
    <Layout fullHeight>
      {owner && route.dialogId === null ? <FirstRunLanding /> : null}
      <DeskPage dialogId={route.dialogId} />
    </Layout>
  );
}

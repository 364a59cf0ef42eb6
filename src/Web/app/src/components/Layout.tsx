import { ActionIcon, Anchor, Badge, Box, Button, Group, Menu, SegmentedControl, Text, UnstyledButton, VisuallyHidden } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../api/errors";
import { useAuth } from "../auth/AuthContext";
import { AlertsControl } from "../desk/AlertsControl";
import { currentLanguage, languages, setLanguage } from "../i18n";
import { Link, matchRoute, useLocation, type Route } from "../router";
import { notify } from "../notify";
import { adminRoutes } from "../admin/AdminNav";
import { useGuideProgress } from "../owner/queries";

/**
 * The app's pages, as the header's navigation and the phone menu list them: `routes` are the routes that
 * mark the item current; `for` says who sees it: "owner" pages are shown to account owners only, "admin" ones
 * to platform admins only (the API refuses anyone else).
 */
const pages = [
  { name: "desk", href: "/", label: "nav.desk", testId: "nav-desk", routes: ["desk"], for: "anyone" },
  { name: "start", href: "/start", label: "ownerNav.start", testId: "nav-start", routes: ["start"], for: "owner" },
  { name: "assistants", href: "/assistants", label: "nav.assistants", testId: "nav-assistants", routes: ["assistants", "documents", "assistantEdit"], for: "owner" },
  { name: "bots", href: "/bots", label: "nav.bots", testId: "nav-bots", routes: ["bots"], for: "owner" },
  { name: "balance", href: "/balance", label: "nav.balance", testId: "nav-balance", routes: ["balance"], for: "owner" },
  { name: "usage", href: "/usage", label: "ownerNav.usage", testId: "nav-usage", routes: ["usage"], for: "owner" },
  { name: "admin", href: "/admin", label: "adminNav.title", testId: "nav-admin", routes: adminRoutes, for: "admin" },
  { name: "status", href: "/status", label: "nav.status", testId: "nav-status", routes: ["status"], for: "anyone" },
] as const satisfies readonly {
  name: string;
  href: string;
  label: string;
  testId: string;
  routes: readonly Route["name"][];
  for: "anyone" | "owner" | "admin";
}[];

/**
 * The account's own pages: in the user menu on wide screens (the header stays uncrowded), with the rest in the
 * phone menu. "signedIn": everyone signed in (their own password).
 */
const accountPages = [
  { name: "operators", href: "/operators", label: "ownerNav.operators", testId: "nav-operators", routes: ["operators"], for: "owner" },
  { name: "settings", href: "/settings", label: "ownerNav.settings", testId: "nav-settings", routes: ["settings"], for: "signedIn" },
] as const satisfies readonly {
  name: string;
  href: string;
  label: string;
  testId: string;
  routes: readonly Route["name"][];
  for: "owner" | "signedIn";
}[];

type Page = (typeof pages)[number] | (typeof accountPages)[number];

function isOwner(user: ReturnType<typeof useAuth>["user"]): boolean {
  return user?.role === "owner" && user.account !== null;
}

/** The pages this user may open; the first-run guide only while one of its steps is still to do. */
function usePages(): readonly Page[] {
  const { user } = useAuth();
  const owner = isOwner(user);
  const admin = user?.role === "admin";
  const guide = useGuideProgress(owner);
  const guideOpen = guide.steps !== null && !guide.finished;
  return pages.filter(
    (page) => (page.for === "anyone" || (page.for === "owner" && owner) || (page.for === "admin" && admin)) && (page.name !== "start" || guideOpen),
  );
}

function useAccountPages(): readonly Page[] {
  const { user } = useAuth();
  const owner = isOwner(user);
  return accountPages.filter((page) => (page.for === "signedIn" && user !== null) || (page.for === "owner" && owner));
}

function isCurrent(page: Page, route: Route["name"]): boolean {
  return (page.routes as readonly Route["name"][]).includes(route);
}

function LanguageSwitch() {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <SegmentedControl
      size="xs"
      value={language}
      onChange={setLanguage}
      data={languages.map((l) => ({ value: l, label: l.toUpperCase() }))}
      aria-label={t("app.language")}
      data-testid="language-switch"
    />
  );
}

function MenuIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
      <path d="M4 6h16M4 12h16M4 18h16" />
    </svg>
  );
}

/** Phones: the navigation and the account's items in one menu, so that the header fits. */
function PhoneMenu({ onSignOut }: { onSignOut: () => void }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const shown = [...usePages(), ...useAccountPages()];
  const route = matchRoute(useLocation().path).name;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" size="lg" aria-label={t("app.menu")} className="rx-phone-only" data-testid="phone-menu">
          <MenuIcon />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {user ? (
          <Menu.Label>
            {user.name} · {user.account?.name ?? user.email}
          </Menu.Label>
        ) : null}
        {shown.map((page) => (
          <Menu.Item key={page.name} component={Link} href={page.href} aria-current={isCurrent(page, route) ? "page" : undefined}>
            {t(page.label)}
          </Menu.Item>
        ))}
        {user ? (
          <>
            <Menu.Divider />
            <Menu.Item onClick={onSignOut} data-testid="phone-sign-out">
              {t("app.signOut")}
            </Menu.Item>
          </>
        ) : null}
      </Menu.Dropdown>
    </Menu>
  );
}

function useSignOut(): () => void {
  const { t } = useTranslation();
  const { signOut } = useAuth();
  return () => {
    signOut().catch((error: unknown) => {
      notify({ color: "red", title: t("errors.signOut"), message: errorText(error) });
    });
  };
}

function UserMenu({ onSignOut }: { onSignOut: () => void }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const own = useAccountPages();
  const route = matchRoute(useLocation().path).name;
  if (!user) return null;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        {/* Named by what it shows (an aria-label would hide the visible name from speech input), plus a hint. */}
        <UnstyledButton className="rx-user-button rx-hide-phone" data-testid="user-menu">
          <Text component="span" size="sm" fw={600} className="rx-ellipsis">
            {user.name}
          </Text>{" "}
          <Text component="span" size="xs" c="dimmed" className="rx-ellipsis rx-hide-phone">
            {user.account?.name ?? user.email}
          </Text>
          <VisuallyHidden component="span">, {t("app.userMenu")}</VisuallyHidden>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {user.email} · <Badge size="xs" variant="light">{t(`roles.${user.role}`)}</Badge>
        </Menu.Label>
        {own.map((page) => (
          <Menu.Item key={page.name} component={Link} href={page.href} aria-current={isCurrent(page, route) ? "page" : undefined} data-testid={page.testId}>
            {t(page.label)}
          </Menu.Item>
        ))}
        {own.length > 0 ? <Menu.Divider /> : null}
        <Menu.Item onClick={onSignOut} data-testid="sign-out">
          {t("app.signOut")}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function Layout({ children, fullHeight = false }: { children: ReactNode; fullHeight?: boolean }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const location = useLocation();
  const route = matchRoute(location.path);
  const signOut = useSignOut();
  const shown = usePages();
  return (
    <div className={fullHeight ? "rx-shell rx-shell-full" : "rx-shell"}>
      <a className="rx-skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="rx-header">
        <Group gap="md" wrap="nowrap" className="rx-header-start">
          <Anchor component={Link} href="/" className="rx-brand" underline="never">
            ReplyX
          </Anchor>
          <nav aria-label={t("app.navigation")} className="rx-hide-phone">
            <Group gap={4} wrap="nowrap">
              {shown.map((page) => (
                <Button
                  key={page.name}
                  component={Link}
                  href={page.href}
                  variant={isCurrent(page, route.name) ? "light" : "subtle"}
                  size="compact-sm"
                  aria-current={isCurrent(page, route.name) ? "page" : undefined}
                  data-testid={page.testId}
                >
                  {t(page.label)}
                </Button>
              ))}
            </Group>
          </nav>
        </Group>
        <Group gap="sm" wrap="nowrap">
          {user && route.name === "desk" ? <AlertsControl /> : null}
          <LanguageSwitch />
          <UserMenu onSignOut={signOut} />
          <PhoneMenu onSignOut={signOut} />
        </Group>
      </header>
      <Box component="main" id="main" tabIndex={-1} className="rx-main">
        {children}
      </Box>
    </div>
  );
}

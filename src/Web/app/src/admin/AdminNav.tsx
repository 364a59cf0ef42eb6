import { useTranslation } from "react-i18next";
import { Link, type Route } from "../router";

/** The admin area's pages, in the order of its sub-navigation. */
export const adminPages = [
  { name: "adminOverview", href: "/admin", label: "adminNav.overview", testId: "admin-nav-overview" },
  { name: "adminUsers", href: "/admin/users", label: "adminNav.users", testId: "admin-nav-users" },
  { name: "adminAiKeys", href: "/admin/ai-keys", label: "adminNav.aiKeys", testId: "admin-nav-ai-keys" },
  { name: "adminBots", href: "/admin/bots", label: "adminNav.bots", testId: "admin-nav-bots" },
  { name: "adminCluster", href: "/admin/cluster", label: "adminNav.cluster", testId: "admin-nav-cluster" },
  { name: "adminAudit", href: "/admin/audit", label: "adminNav.audit", testId: "admin-nav-audit" },
  { name: "adminPrices", href: "/admin/prices", label: "adminNav.prices", testId: "admin-nav-prices" },
  { name: "adminPromoCodes", href: "/admin/promo-codes", label: "adminNav.promoCodes", testId: "admin-nav-promo-codes" },
] as const satisfies readonly { name: Route["name"]; href: string; label: string; testId: string }[];

export type AdminRoute = (typeof adminPages)[number]["name"];

export const adminRoutes: readonly AdminRoute[] = adminPages.map((p) => p.name);

export function isAdminRoute(route: Route): route is Extract<Route, { name: AdminRoute }> {
  return (adminRoutes as readonly string[]).includes(route.name);
}

/** The admin area's own navigation, above each of its pages; it scrolls sideways on a phone. */
export function AdminNav({ current }: { current: AdminRoute }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("adminNav.label")} className="rx-admin-nav" data-testid="admin-nav">
      <ul>
        {adminPages.map((page) => (
          <li key={page.name}>
            <Link href={page.href} aria-current={page.name === current ? "page" : undefined} data-testid={page.testId}>
              {t(page.label)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

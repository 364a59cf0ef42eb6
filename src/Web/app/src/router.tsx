// A small history router: the app has a handful of routes, which does not warrant a routing library.
// The server answers every unknown non-API path with index.html, so deep links work after a reload.

import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const changeEvent = "replyx:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(changeEvent, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(changeEvent, onChange);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export interface Location {
  path: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, search: url.searchParams };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(changeEvent));
}

export type Route =
  | { name: "desk"; dialogId: string | null }
  | { name: "login" }
  | { name: "register" }
  | { name: "start" }
  | { name: "settings" }
  | { name: "operators" }
  | { name: "usage" }
  | { name: "status" }
  | { name: "assistants" }
  | { name: "documents"; assistantId: string }
  | { name: "assistantEdit"; assistantId: string }
  | { name: "bots" }
  | { name: "balance" }
  | { name: "adminOverview" }
  | { name: "adminUsers" }
  | { name: "adminAiKeys" }
  | { name: "adminBots" }
  | { name: "adminCluster" }
  | { name: "adminAudit" }
  | { name: "adminPrices" }
  | { name: "adminPromoCodes" }
  | { name: "notFound" };

export function matchRoute(path: string): Route {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (trimmed === "/" || trimmed === "/index.html") return { name: "desk", dialogId: null };
  if (trimmed === "/login") return { name: "login" };
  if (trimmed === "/register") return { name: "register" };
  if (trimmed === "/start") return { name: "start" };
  if (trimmed === "/settings") return { name: "settings" };
  if (trimmed === "/operators") return { name: "operators" };
  if (trimmed === "/usage") return { name: "usage" };
  if (trimmed === "/status") return { name: "status" };
  if (trimmed === "/assistants") return { name: "assistants" };
  if (trimmed === "/balance") return { name: "balance" };
  if (trimmed === "/admin") return { name: "adminOverview" };
  if (trimmed === "/admin/users") return { name: "adminUsers" };
  if (trimmed === "/admin/ai-keys") return { name: "adminAiKeys" };
  if (trimmed === "/admin/bots") return { name: "adminBots" };
  if (trimmed === "/admin/cluster") return { name: "adminCluster" };
  if (trimmed === "/admin/audit") return { name: "adminAudit" };
  if (trimmed === "/bots") return { name: "bots" };
  if (trimmed === "/admin/prices") return { name: "adminPrices" };
  if (trimmed === "/admin/promo-codes") return { name: "adminPromoCodes" };
  const dialog = /^\/dialogs\/([^/]+)$/.exec(trimmed);
  if (dialog?.[1]) return { name: "desk", dialogId: decodeURIComponent(dialog[1]) };
  const documents = /^\/assistants\/([^/]+)\/documents$/.exec(trimmed);
  if (documents?.[1]) return { name: "documents", assistantId: decodeURIComponent(documents[1]) };
  const assistant = /^\/assistants\/([^/]+)$/.exec(trimmed);
  if (assistant?.[1]) return { name: "assistantEdit", assistantId: decodeURIComponent(assistant[1]) };
  return { name: "notFound" };
}

export function dialogPath(id: string, search?: URLSearchParams): string {
  const query = search?.toString();
  return `/dialogs/${encodeURIComponent(id)}${query ? `?${query}` : ""}`;
}

/** An assistant's knowledge base: its documents, the retrieval test and the test chat. */
export function documentsPath(assistantId: string): string {
  return `/assistants/${encodeURIComponent(assistantId)}/documents`;
}

/** An assistant's settings: model, instructions, handoff rules and the site widget. */
export function assistantPath(assistantId: string): string {
  return `/assistants/${encodeURIComponent(assistantId)}`;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** An anchor that navigates in place on a plain click and behaves as a normal link otherwise. */
export function Link({ href, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

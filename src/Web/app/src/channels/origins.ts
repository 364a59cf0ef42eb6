// A site allowed to embed the widget, checked as the server checks it (AssistantRequestValidator.IsOrigin):
// an absolute http(s) URL of a scheme, a host and an optional port, with no path, query or trailing slash.

/** Why an origin is refused, or null when the server will take it. */
export type OriginProblem = "empty" | "scheme" | "invalid" | "path" | "duplicate" | null;

export function originProblem(value: string, others: readonly string[] = []): OriginProblem {
  const text = value.trim();
  if (!text) return "empty";
  if (/\s/.test(text)) return "invalid";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "invalid";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "scheme";
  if (!url.hostname || url.username || url.password) return "invalid";
  if (url.pathname !== "/" || text.endsWith("/") || text.includes("?") || text.includes("#")) return "path";
  if (others.some((o) => o.trim().toLowerCase() === text.toLowerCase())) return "duplicate";
  return null;
}

/** What a pasted page address most likely meant: its origin ("https://shop.example.com/cart" → "https://shop.example.com"). */
export function suggestOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    return url.origin !== value.trim() ? url.origin : null;
  } catch {
    return null;
  }
}

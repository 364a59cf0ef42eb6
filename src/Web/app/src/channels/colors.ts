// The widget's colours (src/Web/widget/src/widget.css, dom.ts), so that the preview looks like the real thing.

/** The widget's accent when the assistant sets none. */
export const widgetDefaultColor = "#2563eb";

/** The server takes exactly this form of colour. */
export const colorPattern = /^#[0-9a-fA-F]{6}$/;

/**
 * As the widget picks it (src/Web/widget/src/dom.ts): a readable text colour on top of a background colour given as #rgb or #rrggbb (white otherwise): whichever
 * of near-black and white contrasts more with it (WCAG contrast ratio).
 */
export function contrastColor(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())?.[1];
  if (!hex) return "#ffffff";
  const full = hex.length === 3 ? hex.replace(/./g, "$&$&") : hex;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * linear(r ?? 0) + 0.7152 * linear(g ?? 0) + 0.0722 * linear(b ?? 0);
  // #111827 has a relative luminance of 0.0137; white, 1.
  const onDark = 1.05 / (luminance + 0.05);
  const onLight = (luminance + 0.05) / (0.0137 + 0.05);
  return onLight > onDark ? "#111827" : "#ffffff";
}

function luminance(color: string): number {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)?.[1] ?? "ffffff";
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r ?? 0) + 0.7152 * linear(g ?? 0) + 0.0722 * linear(b ?? 0);
}

/** WCAG contrast ratio of two #rrggbb colours. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 1) + 0.05) / ((lo ?? 0) + 0.05);
}

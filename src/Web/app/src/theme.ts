import { createTheme } from "@mantine/core";

// Mantine's default theme: with no runtime <style> tag allowed by the CSP, the CSS variables come from
// @mantine/core/styles.css, which holds the defaults; the few the desk changes are set in styles.css, among
// them the colours every variant reads (filled, light, outline, text, dimmed), darkened to WCAG AA contrast.
// So use colour names without a shade ("green", not "green.8"): those read the accessible variables.
export const theme = createTheme({});

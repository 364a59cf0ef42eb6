import { createTheme } from "@mantine/core";

// Mantine's default theme: with no runtime <style> tag allowed by the CSP, the CSS variables come from
// @mantine/core/styles.css, which holds the defaults; the few the desk changes are set in styles.css.
export const theme = createTheme({});

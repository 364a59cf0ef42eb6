import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The embeddable site widget: one self-contained IIFE, wwwroot/widget.js, with no framework.
// It runs after the desk build (which empties wwwroot/), so it must not empty the folder itself.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("./wwwroot", import.meta.url)),
    emptyOutDir: false,
    target: "es2022",
    sourcemap: false,
    minify: true,
    lib: {
      entry: fileURLToPath(new URL("./widget/src/main.ts", import.meta.url)),
      name: "ReplyXWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});

import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The operator desk: app/index.html and what it imports, built into wwwroot/ (embedded into ReplyX.Web.dll).
// Hashed files go to wwwroot/assets/ and are served with a year-long cache; index.html is never cached.
export default defineConfig({
  root: fileURLToPath(new URL("./app", import.meta.url)),
  base: "/",
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./wwwroot", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    // Nothing may run inline: the API's Content-Security-Policy allows scripts and styles from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      output: {
        // Libraries in a chunk of their own: a deploy that changes only the desk's code leaves it cached.
        codeSplitting: { groups: [{ name: "vendor", test: /[\\/]node_modules[\\/]/ }] },
      },
    },
  },
  server: {
    // `npm run dev` against the ReplyX that `dotnet run --project src/Silo` starts on :5080.
    proxy: {
      "/api": { target: "http://localhost:5080", changeOrigin: false },
      "/health": "http://localhost:5080",
      "/widget.js": "http://localhost:5080",
    },
  },
});

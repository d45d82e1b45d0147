import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// Every asset is bundled into dist/ (no CDN); the gateway serves dist/ at "/".
// `npm run dev` proxies the API to a gateway on GATEWAY_URL (default http://127.0.0.1:8000).
const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { "/graphql": gateway, "/export": gateway } },
  test: { environment: "node", include: ["src/**/__tests__/*.test.ts"] },
});

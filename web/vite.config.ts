import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard builds into the server's dist/ (dist/web), which the server serves at / (src/api/routes/dashboard.ts).
// `npm run dev -w web` serves it with hot reload and sends the API's paths to a Flowrun on port 8787 (or FLOWRUN_URL).
const api = { target: process.env.FLOWRUN_URL ?? 'http://127.0.0.1:8787', changeOrigin: true };
export default defineConfig({
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
  server: { proxy: { '/v1': api, '/api': api } },
});

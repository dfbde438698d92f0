import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web console: a single-page app built to `console/dist`, served by the local HTTP API at
 * `/` and deployed by the console stack to S3 behind CloudFront. It imports the API's zod
 * schema modules from `functions/`, so the build reads files above its root.
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  // Preact's automatic JSX runtime through Oxc: no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: { fs: { allow: ['..'] } },
});

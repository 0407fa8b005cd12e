import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { runtimeConfigScript } from './server/static-server.js';

/**
 * `vite` (the dev server) serves `/config.js` the way the static server does, from MYSQL_SYNC_API_URL, so the
 * page finds the API the same way in development and in production. Never part of the build.
 */
function runtimeConfigInDevelopment(): Plugin {
  return {
    name: 'mysql-sync-runtime-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.js', (_request, response) => {
        response.setHeader('content-type', 'text/javascript; charset=utf-8');
        response.end(runtimeConfigScript(process.env.MYSQL_SYNC_API_URL ?? 'http://localhost:8080'));
      });
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the same build works at / and under a reverse proxy's sub-path.
  base: './',
  plugins: [react(), runtimeConfigInDevelopment()],
  build: { target: 'es2022', sourcemap: true },
  server: { port: 3000 },
});

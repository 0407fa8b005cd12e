export {
  SandboxServer,
  findServerBinary,
  findFreePort,
  removeSandboxTemplate,
  missingServerHelp,
  type SandboxServerOptions,
  type SandboxConnectionInfo,
} from './mariadb-sandbox.js';

export {
  SandboxServer,
  findFreePort,
  removeSandboxTemplate,
  type SandboxServerOptions,
  type SandboxConnectionInfo,
} from './sandbox-server.js';
export {
  findServerBinary,
  missingServerHelp,
  oracleMysqlRoot,
  checkOracleMysqlRoot,
  type ServerFlavorName,
} from './server-flavors.js';

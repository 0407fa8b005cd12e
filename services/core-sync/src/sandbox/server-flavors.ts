/**
 * The two kinds of throw-away server the sandbox starts, and what differs between them: where the binaries are,
 * how a data directory is initialised, and the server's options.
 *
 * - **MariaDB** runs from the machine's own installation (Debian's `mariadb-server`).
 * - **Oracle MySQL** runs inside a Debian sid chroot made by `.ci/oracle-mysql` (Debian stable carries no MySQL 8
 *   or later; sid carries Oracle's MySQL 9 as `mysql-server-core`). The server sees only the chroot, so its files
 *   live under the chroot and every path it is given is the chroot's view of that file.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type ServerFlavorName = 'mariadb' | 'mysql';

/** The files of one server, as the host sees them. */
export interface ServerFiles {
  readonly rootDirectory: string;
  readonly dataDirectory: string;
  readonly serverId: number;
  readonly port: number;
}

export interface ServerFlavor {
  readonly name: ServerFlavorName;
  /** Where temporary server directories are made (the server must be able to see them). */
  readonly temporaryParent: string;
  /** Initialises a data directory at `dataDirectory` (a host path) with a passwordless root@127.0.0.1. */
  initialise(dataDirectory: string): Promise<void>;
  /** The program and arguments that run the server on `files`, with `extraArguments` last. */
  serverCommand(files: ServerFiles, extraArguments: readonly string[]): { file: string; args: string[] };
}

export const missingServerHelp =
  'No MariaDB/MySQL server binary (mariadbd or mysqld) was found on PATH or in /usr/sbin. Install one, e.g. ' +
  '`sudo apt-get install mariadb-server` (Debian/Ubuntu), `brew install mariadb` (macOS) or ' +
  '`sudo dnf install mariadb-server` (Fedora), then run the command again.';

/** The environment variable that names the Oracle MySQL chroot, and its default. */
export const oracleMysqlRootVariable = 'MYSQL_SYNC_ORACLE_MYSQL_ROOT';
export const defaultOracleMysqlRoot = '/var/cache/mysql-sync/oracle-mysql-sid';

export function oracleMysqlRoot(): string {
  return process.env[oracleMysqlRootVariable] ?? defaultOracleMysqlRoot;
}

const serverBinaryCandidates = ['mariadbd', 'mysqld'];
const searchDirectories = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/local/bin',
  '/usr/local/mysql/bin',
];

async function isExecutable(filePath: string): Promise<boolean> {
  try {
    await access(filePath, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The machine's MariaDB/MySQL server binary, or undefined when none is installed. */
export async function findServerBinary(): Promise<string | undefined> {
  const pathDirectories = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry.length > 0);
  for (const binaryName of serverBinaryCandidates) {
    for (const directory of [...pathDirectories, ...searchDirectories]) {
      const candidate = path.join(directory, binaryName);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function findInstallDbBinary(serverBinary: string): Promise<string> {
  for (const binaryName of ['mariadb-install-db', 'mysql_install_db']) {
    for (const directory of [path.dirname(serverBinary), ...searchDirectories]) {
      const candidate = path.join(directory, binaryName);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(`mariadb-install-db was not found next to ${serverBinary}. ${missingServerHelp}`);
}

const runAsRoot = process.getuid?.() === 0;

/** Options both servers take, tuned for fast throw-away test servers with the binlog the service needs. */
function commonArguments(files: ServerFiles, pathOf: (hostPath: string) => string): string[] {
  return [
    '--no-defaults',
    `--datadir=${pathOf(files.dataDirectory)}`,
    `--port=${files.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${pathOf(path.join(files.rootDirectory, 'mysqld.sock'))}`,
    `--pid-file=${pathOf(path.join(files.rootDirectory, 'mysqld.pid'))}`,
    `--log-error=${pathOf(path.join(files.rootDirectory, 'error.log'))}`,
    `--server-id=${files.serverId}`,
    `--log-bin=${pathOf(path.join(files.dataDirectory, 'binlog'))}`,
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    '--binlog-row-metadata=FULL',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=128M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=300',
    '--max-allowed-packet=64M',
    '--character-set-server=utf8mb4',
    '--performance-schema=OFF',
    ...(runAsRoot ? ['--user=root'] : []),
  ];
}

export async function mariadbFlavor(): Promise<ServerFlavor> {
  const serverBinary = await findServerBinary();
  if (serverBinary === undefined) throw new Error(missingServerHelp);
  return {
    name: 'mariadb',
    temporaryParent: tmpdir(),
    async initialise(dataDirectory) {
      const installDb = await findInstallDbBinary(serverBinary);
      await execFileAsync(installDb, [
        '--no-defaults',
        `--datadir=${dataDirectory}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...(runAsRoot ? ['--user=root'] : []),
      ]);
    },
    serverCommand(files, extraArguments) {
      return {
        file: serverBinary,
        args: [
          ...commonArguments(files, (hostPath) => hostPath),
          '--innodb-log-file-size=64M',
          '--collation-server=utf8mb4_unicode_ci',
          ...extraArguments,
        ],
      };
    },
  };
}

/** Where the chroot's server binary is, checked; throws with the way to make the chroot when it is missing. */
export async function checkOracleMysqlRoot(chrootDirectory: string): Promise<void> {
  if (!(await isExecutable(path.join(chrootDirectory, 'usr/sbin/mysqld')))) {
    throw new Error(
      `Oracle MySQL test servers run from a Debian sid chroot at ${chrootDirectory} (set by ${oracleMysqlRootVariable}), ` +
        'which has no usr/sbin/mysqld. Make it with `sudo bash .ci/oracle-mysql` (debootstrap, about 640 MB), or ' +
        'set MYSQL_SYNC_SKIP_ORACLE_MYSQL=1 to skip the Oracle MySQL tests (the summary then says they were skipped).',
    );
  }
  if (!runAsRoot) {
    throw new Error(
      `Oracle MySQL test servers run in the chroot ${chrootDirectory}, which needs root (chroot(2)).`,
    );
  }
}

export async function mysqlFlavor(chrootDirectory: string = oracleMysqlRoot()): Promise<ServerFlavor> {
  await checkOracleMysqlRoot(chrootDirectory);
  const temporaryParent = path.join(chrootDirectory, 'var/tmp/mysql-sync');
  await mkdir(temporaryParent, { recursive: true });
  const pathOf = (hostPath: string): string => {
    const relative = path.relative(chrootDirectory, hostPath);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(
        `${hostPath} is outside the Oracle MySQL chroot ${chrootDirectory}; the server cannot see it`,
      );
    }
    return `/${relative}`;
  };
  const inChroot = (program: string, args: string[]) => ({
    file: 'chroot',
    args: [chrootDirectory, program, ...args],
  });
  return {
    name: 'mysql',
    temporaryParent,
    async initialise(dataDirectory) {
      // --initialize-insecure makes root@localhost only; the tests connect over TCP to 127.0.0.1 with name
      // resolution off, which needs an account of its own.
      const initFile = path.join(path.dirname(dataDirectory), 'init.sql');
      await writeFile(
        initFile,
        "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '';\n" +
          "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n",
      );
      const command = inChroot('/usr/sbin/mysqld', [
        '--no-defaults',
        '--initialize-insecure',
        `--datadir=${pathOf(dataDirectory)}`,
        `--init-file=${pathOf(initFile)}`,
        ...(runAsRoot ? ['--user=root'] : []),
      ]);
      await execFileAsync(command.file, command.args);
    },
    serverCommand(files, extraArguments) {
      return inChroot('/usr/sbin/mysqld', [
        ...commonArguments(files, pathOf),
        '--innodb-redo-log-capacity=64M',
        // The X Protocol plugin listens on 33060 by default: two servers would collide.
        '--mysqlx=OFF',
        // The package's default directory does not exist in the chroot, and the server refuses to start.
        '--secure-file-priv=',
        // What managed MySQL (RDS, Cloud SQL) runs: checkpoints then carry GTIDs.
        '--gtid-mode=ON',
        '--enforce-gtid-consistency=ON',
        ...extraArguments,
      ]);
    },
  };
}

export async function serverFlavor(name: ServerFlavorName): Promise<ServerFlavor> {
  return name === 'mysql' ? mysqlFlavor() : mariadbFlavor();
}

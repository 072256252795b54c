import type { TestProject } from 'vitest/node';
import { startLocalServers } from '../local/servers.ts';

/** Starts DynamoDB Local and fauxqs once for the whole run, on free loopback ports. */
export default async function setup(project: TestProject) {
  const servers = await startLocalServers();
  project.provide('dynamoEndpoint', servers.dynamoEndpoint);
  project.provide('sqsEndpoint', servers.sqsEndpoint);
  return () => servers.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

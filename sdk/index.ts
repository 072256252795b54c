/** wink/sdk: the TypeScript client for Wink and its agent-framework adapters. */
export { WinkClient, type WinkClientOptions } from './client.ts';
export { WinkSession, type SessionStats, type StepInput } from './session.ts';
export { WinkError, WinkHttpError, WinkStepError, WinkBufferOverflowError } from './errors.ts';
export type { Intervention } from './guidanceInbox.ts';
export type { Step, CreateSessionRequest } from '../shared/steps.ts';

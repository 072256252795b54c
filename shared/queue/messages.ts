import * as z from 'zod';
import type { NotificationMessage, StepTimerMessage, StepsMessage } from './sqsQueues.ts';

const StepsMessageSchema = z.object({ sessionId: z.string().min(1), indexes: z.array(z.int().min(0)) });
const StepTimerMessageSchema = z.object({ sessionId: z.string().min(1), wakeAtMs: z.number().int().min(0) });
const NotificationMessageSchema = z.object({ sessionId: z.string().min(1), episodeId: z.string().min(1) });

/** A message that does not parse is poison: throwing lets SQS retry it and then dead-letter it. */
export function parseStepsMessage(body: string): StepsMessage {
  return StepsMessageSchema.parse(JSON.parse(body));
}

export function parseStepTimerMessage(body: string): StepTimerMessage {
  return StepTimerMessageSchema.parse(JSON.parse(body));
}

export function parseNotificationMessage(body: string): NotificationMessage {
  return NotificationMessageSchema.parse(JSON.parse(body));
}

import { randomUUID } from 'node:crypto';
import {
  CreatedSessionSchema, InterventionListSchema, InterventionSchema, StepsAcceptedSchema,
} from '../shared/api/schemas.ts';
import { MAX_STEP_BYTES, MAX_STEPS_PER_REQUEST, StepSchema, type CreateSessionRequest, type Step } from '../shared/steps.ts';
import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { WinkBufferOverflowError, WinkError, WinkHttpError, WinkStepError } from './errors.ts';
import { formatGuidance, GuidanceInbox, type Intervention } from './guidanceInbox.ts';
import { requestJson, type TransportOptions } from './transport.ts';
import { Wakeup } from './wakeup.ts';

/** A step as the agent hands it over; without an index it gets the next one. */
export type StepInput = Omit<Step, 'index'> & { index?: number };

export interface SessionOptions {
  transport: TransportOptions;
  /** Steps per request, at most 100 (default 100). */
  batchSize: number;
  /** How long a partial batch waits for more steps before it is sent (default 250 ms). */
  flushIntervalMs: number;
  /** Bound on unsent steps kept in memory; past it the oldest unsent are dropped and counted. */
  maxBufferedSteps: number;
  maxBufferedBytes: number;
  backoff: BackoffOptions;
  random: () => number;
  /** Long-poll for interventions in the background (default true). */
  pollInterventions: boolean;
  /** Seconds the server may hold a long poll open. */
  pollWaitSeconds: number;
  /** A poll is never sent sooner than this after the previous one (servers that answer at once). */
  minPollIntervalMs: number;
  onError: (error: WinkError) => void;
}

export interface SessionStats {
  /** Steps Wink acknowledged. */
  sent: number;
  /** Unsent steps dropped, oldest first, because Wink was down long enough to fill the buffer. */
  dropped: number;
  /** Steps refused locally (schema, size) or by the server with a final 4xx. */
  rejected: number;
  /** Steps waiting or in flight. */
  pending: number;
  /** Requests retried after a network error, 429 or 5xx. */
  retries: number;
}

interface QueuedStep {
  seq: number;
  step: Step;
  bytes: number;
  queuedAt: number;
}

/** Batches stay well under the server's 5 MiB body limit. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * One Wink session as the agent's side sees it. Steps go through a bounded buffer that one
 * background loop drains in order, in batches, retrying with backoff; nothing here throws into,
 * or waits inside, the agent's loop. Interventions arrive from step replies, a long poll, or
 * `receiveIntervention` (webhook) and are handed out once.
 */
export class WinkSession {
  private sessionId: string | undefined;
  private webhookSecretValue: string | undefined;
  private readonly inbox = new GuidanceInbox();
  /** Woken when steps arrive or a flush is asked for. */
  private readonly work = new Wakeup();
  /** Woken only by close(): backoff and poll pauses are not cut short by new steps. */
  private readonly stopping = new Wakeup();
  /** Woken when steps leave the buffer (sent, rejected or dropped), for flush(). */
  private readonly settled = new Wakeup();
  private readonly abort = new AbortController();
  private readonly creationKey = randomUUID();
  private pending: QueuedStep[] = [];
  private inFlight: QueuedStep[] = [];
  private bufferedBytes = 0;
  private nextIndex = 0;
  private nextSeq = 0;
  private flushThroughSeq = -1;
  private closing = false;
  private stopped = false;
  private lastPollCursor: string | undefined;
  /** Set when Wink refused to create the session (a 4xx): the caller's mistake, reported once. */
  creationError: WinkError | undefined;
  private readonly counters = { sent: 0, dropped: 0, rejected: 0, retries: 0 };
  private readonly loops: Promise<void>[] = [];
  /** Settles after the first creation attempt: the session, a final error, or a retry in progress. */
  readonly firstAttempt: Promise<void>;

  constructor(
    private readonly request: CreateSessionRequest,
    private readonly options: SessionOptions,
  ) {
    let signalFirstAttempt!: () => void;
    this.firstAttempt = new Promise((resolve) => { signalFirstAttempt = resolve; });
    this.loops.push(this.sendLoop(signalFirstAttempt));
  }

  /** The session id, once Wink has created the session. */
  get id(): string | undefined {
    return this.sessionId;
  }

  /** Only when the session was created with a webhook; verify deliveries with it. */
  get webhookSecret(): string | undefined {
    return this.webhookSecretValue;
  }

  get stats(): SessionStats {
    return { ...this.counters, pending: this.pending.length + this.inFlight.length };
  }

  /** Queues steps for sending and returns at once. Invalid steps are reported to onError and skipped. */
  postSteps(steps: StepInput | readonly StepInput[]): void {
    try {
      if (this.closing) {
        this.report(new WinkStepError('postSteps after close(): the steps were not sent'));
        return;
      }
      for (const input of Array.isArray(steps) ? steps : [steps as StepInput]) this.enqueue(input);
      this.work.wake();
    } catch (error) {
      this.report(error instanceof Error ? new WinkStepError(error.message, { cause: error }) : new WinkStepError(String(error)));
    }
  }

  /** Pending interventions, handed out once (a later call returns only newer ones). */
  interventions(): Intervention[] {
    return this.inbox.take();
  }

  /** Pending guidance as one text to put into the agent's next prompt, or undefined; handed out once. */
  takeGuidance(): string | undefined {
    return formatGuidance(this.inbox.take());
  }

  /** How many interventions are waiting to be handed out (does not hand them out). */
  get pendingInterventions(): number {
    return this.inbox.pendingCount;
  }

  /** Called for each new intervention as it arrives, before it is handed out. */
  onIntervention(listener: (intervention: Intervention) => void): () => void {
    return this.inbox.onIntervention(listener);
  }

  /**
   * An intervention pushed to a webhook receiver (after verifying its signature): queued with the
   * others, deduplicated by id. Returns false for a body that is not an intervention of this session.
   */
  receiveIntervention(payload: unknown): boolean {
    const parsed = InterventionSchema.safeParse(typeof payload === 'string' ? safeJson(payload) : payload);
    if (!parsed.success || parsed.data.sessionId !== this.sessionId) return false;
    this.inbox.add([parsed.data]);
    return true;
  }

  /**
   * Asks Wink now for interventions (one request, no waiting), for a checkpoint such as "before I
   * report done". Returns how many new ones arrived; never rejects (0 when Wink is unreachable).
   */
  async refreshInterventions(): Promise<number> {
    if (this.sessionId === undefined || this.stopped) return 0;
    try {
      return this.acceptPolled(await this.requestInterventions(0));
    } catch (error) {
      this.report(error as WinkError);
      return 0;
    }
  }

  /**
   * Sends everything queued so far, waiting at most `timeoutMs` (default 10 s); never rejects.
   * Returns the stats after it.
   */
  async flush(timeoutMs = 10_000): Promise<SessionStats> {
    const target = this.nextSeq - 1;
    this.flushThroughSeq = Math.max(this.flushThroughSeq, target);
    this.work.wake();
    const deadline = Date.now() + timeoutMs;
    while (this.oldestUnsettledSeq() <= target && !this.stopped && Date.now() < deadline) {
      await this.settled.sleep(Math.min(250, deadline - Date.now()));
    }
    return this.stats;
  }

  /** Flushes (bounded by `timeoutMs`), then stops sending and polling. Never rejects. */
  async close(timeoutMs = 10_000): Promise<SessionStats> {
    if (this.stopped) return this.stats;
    await this.flush(timeoutMs);
    this.closing = true;
    this.stopped = true;
    this.abort.abort();
    this.work.wake();
    this.stopping.wake();
    await Promise.allSettled(this.loops);
    // What Wink never acknowledged by the deadline is given up, and counted.
    const unsent = this.pending.length + this.inFlight.length;
    if (unsent > 0) {
      this.counters.dropped += unsent;
      this.pending = [];
      this.inFlight = [];
      this.report(new WinkError(`close(): ${unsent} step(s) could not be sent before the deadline and were dropped`));
    }
    return this.stats;
  }

  private enqueue(input: StepInput): void {
    const index = input.index ?? this.nextIndex;
    const parsed = StepSchema.safeParse({ ...input, index });
    if (!parsed.success) {
      this.counters.rejected += 1;
      this.report(new WinkStepError(`Step ${index} is not a valid Wink step and was skipped: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(step)'}: ${i.message}`).join('; ')}`));
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
    if (bytes > MAX_STEP_BYTES) {
      this.counters.rejected += 1;
      this.report(new WinkStepError(`Step ${index} is ${bytes} bytes, over Wink's limit of ${MAX_STEP_BYTES}; it was skipped`));
      return;
    }
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    this.pending.push({ seq: this.nextSeq++, step: parsed.data, bytes, queuedAt: Date.now() });
    this.bufferedBytes += bytes;
    this.dropOverflow();
  }

  /** Keeps memory bounded while Wink is unreachable: the oldest unsent (not in-flight) steps go first. */
  private dropOverflow(): void {
    let dropped = 0;
    while (
      this.pending.length > 1 &&
      (this.pending.length + this.inFlight.length > this.options.maxBufferedSteps || this.bufferedBytes > this.options.maxBufferedBytes)
    ) {
      const oldest = this.pending.shift()!;
      this.bufferedBytes -= oldest.bytes;
      dropped += 1;
    }
    if (dropped > 0) {
      this.counters.dropped += dropped;
      this.settled.wake();
      this.report(new WinkBufferOverflowError(this.counters.dropped));
    }
  }

  private oldestUnsettledSeq(): number {
    return this.inFlight[0]?.seq ?? this.pending[0]?.seq ?? Number.POSITIVE_INFINITY;
  }

  private async sendLoop(signalFirstAttempt: () => void): Promise<void> {
    await this.createWithRetries(signalFirstAttempt);
    if (this.sessionId === undefined) return;
    if (this.options.pollInterventions) this.loops.push(this.pollLoop());
    while (!this.stopped) {
      const oldest = this.pending[0];
      if (oldest === undefined) {
        await this.work.sleep(60_000);
        continue;
      }
      const urgent = this.closing || this.pending.length >= this.options.batchSize || oldest.seq <= this.flushThroughSeq;
      const waitMs = oldest.queuedAt + this.options.flushIntervalMs - Date.now();
      if (!urgent && waitMs > 0) {
        await this.work.sleep(waitMs);
        continue;
      }
      this.inFlight = this.takeBatch();
      const settled = await this.sendBatchWithRetries(this.inFlight);
      if (!settled) break; // stopped mid-retry: close() counts the batch as dropped
      for (const queued of this.inFlight) this.bufferedBytes -= queued.bytes;
      this.inFlight = [];
      this.settled.wake();
    }
  }

  private takeBatch(): QueuedStep[] {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < this.options.batchSize) {
      const next = this.pending[count]!;
      if (count > 0 && bytes + next.bytes > MAX_BATCH_BYTES) break;
      bytes += next.bytes;
      count += 1;
    }
    return this.pending.splice(0, count);
  }

  /** The same batch, byte for byte, on every attempt: the server's per-index dedup makes retries safe. */
  private async sendBatchWithRetries(batch: readonly QueuedStep[]): Promise<boolean> {
    const body = { steps: batch.map((queued) => queued.step) };
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        const reply = await requestJson(this.options.transport, {
          method: 'POST', path: `/v1/sessions/${encodeURIComponent(this.sessionId!)}/steps`, body, signal: this.abort.signal,
        }, StepsAcceptedSchema);
        this.counters.sent += batch.length;
        if (reply.interventions) this.inbox.add(reply.interventions);
        return true;
      } catch (error) {
        if (!this.retryable(error)) {
          this.counters.rejected += batch.length;
          this.report(error as WinkError);
          return true;
        }
        this.counters.retries += 1;
        if (attempt === 1 || attempt % 10 === 0) this.report(error as WinkError);
        await this.stopping.sleep(backoffDelayMs(attempt, this.options.backoff, this.options.random, (error as WinkHttpError).retryAfterMs));
      }
    }
    return false;
  }

  private async createWithRetries(signalFirstAttempt: () => void): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        const created = await requestJson(this.options.transport, {
          method: 'POST', path: '/v1/sessions', body: this.request,
          // The same key on every retry, so a server that saw the first attempt does not create a second session.
          headers: { 'idempotency-key': this.creationKey }, signal: this.abort.signal,
        }, CreatedSessionSchema);
        this.sessionId = created.sessionId;
        this.webhookSecretValue = created.webhookSecret;
        signalFirstAttempt();
        return;
      } catch (error) {
        if (!this.retryable(error)) {
          this.creationError = error as WinkError;
          this.stopped = true;
          this.counters.rejected += this.pending.length;
          this.pending = [];
          signalFirstAttempt();
          this.report(error as WinkError);
          return;
        }
        signalFirstAttempt();
        this.counters.retries += 1;
        if (attempt === 1 || attempt % 10 === 0) this.report(error as WinkError);
        await this.stopping.sleep(backoffDelayMs(attempt, this.options.backoff, this.options.random, (error as WinkHttpError).retryAfterMs));
      }
    }
  }

  private async pollLoop(): Promise<void> {
    for (let failures = 0; !this.stopped;) {
      const startedAt = Date.now();
      try {
        const reply = await this.requestInterventions(this.options.pollWaitSeconds);
        failures = 0;
        this.acceptPolled(reply);
        await this.stopping.sleep(this.options.minPollIntervalMs - (Date.now() - startedAt));
      } catch (error) {
        if (this.stopped) return;
        failures += 1;
        if (!this.retryable(error)) {
          this.report(error as WinkError);
          return;
        }
        if (failures === 1) this.report(error as WinkError);
        await this.stopping.sleep(Math.max(this.options.minPollIntervalMs, backoffDelayMs(failures, this.options.backoff, this.options.random)));
      }
    }
  }

  /** `after` and `wait` are for servers with long polling; others ignore them and answer the full list at once. */
  private requestInterventions(waitSeconds: number) {
    const query = new URLSearchParams({ wait: String(waitSeconds) });
    if (this.lastPollCursor) query.set('after', this.lastPollCursor);
    return requestJson(this.options.transport, {
      method: 'GET',
      path: `/v1/sessions/${encodeURIComponent(this.sessionId!)}/interventions?${query}`,
      timeoutMs: this.options.transport.requestTimeoutMs + waitSeconds * 1000,
      signal: this.abort.signal,
    }, InterventionListSchema);
  }

  private acceptPolled(reply: { interventions: Intervention[] }): number {
    this.lastPollCursor = reply.interventions.at(-1)?.interventionId ?? this.lastPollCursor;
    return this.inbox.add(reply.interventions);
  }

  private retryable(error: unknown): boolean {
    return error instanceof WinkHttpError && error.retryable;
  }

  private report(error: WinkError): void {
    try {
      this.options.onError(error);
    } catch {
      // The caller's error handler must not break sending.
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const SESSION_DEFAULTS = {
  batchSize: MAX_STEPS_PER_REQUEST,
  flushIntervalMs: 250,
  maxBufferedSteps: 10_000,
  maxBufferedBytes: 32 * 1024 * 1024,
  pollInterventions: true,
  pollWaitSeconds: 20,
  minPollIntervalMs: 1_000,
} as const;

import { ApiError } from '../api/apiError.ts';
import type { Episode } from '../detection/episodes.ts';
import { sessionMetrics, type SessionMetrics } from '../experiments/metrics.ts';
import type { ExperimentReport } from '../experiments/report.ts';
import { EXPERIMENT_NAME } from '../experiments/session.ts';
import type { SessionRecord, StoredStep } from '../records.ts';
import type { ExperimentMember } from '../store/experimentStore.ts';

export interface ExperimentReportDeps {
  experiments: { listMembers(ownerKeyHash: string, name: string): Promise<ExperimentMember[]> };
  store: {
    getSession(sessionId: string): Promise<SessionRecord | undefined>;
    stepsFrom(sessionId: string, fromIndex: number, limit: number): Promise<StoredStep[]>;
    listEpisodes(sessionId: string): Promise<Episode[]>;
  };
  now: () => number;
  /** Sessions never ended count as `unknown` after this long without a step. */
  sessionIdleMs: number;
}

/** Steps read per session for its metrics; longer sessions are counted up to here. */
export const MAX_STEPS_PER_SESSION = 100_000;
/** Sessions read at once: bounded so a large experiment does not flood the table. */
const READ_CONCURRENCY = 8;

/** GET /v1/experiments/{name}: every member session's metrics from stored steps, then the comparison. */
export async function buildExperimentReport(deps: ExperimentReportDeps, ownerKeyHash: string, name: string): Promise<ExperimentReport & { sessions: SessionMetrics[] }> {
  if (!EXPERIMENT_NAME.test(name)) throw new ApiError(400, 'invalid_experiment', `experiment name: 1–128 letters, digits, ".", "_" or "-"; got ${JSON.stringify(name)}`);
  const members = await deps.experiments.listMembers(ownerKeyHash, name);
  if (members.length === 0) throw new ApiError(404, 'experiment_not_found', `No sessions in experiment ${name}; create sessions with "experiment": { "name": "${name}" }`);
  const nowMs = deps.now();
  const sessions: SessionMetrics[] = [];
  for (let start = 0; start < members.length; start += READ_CONCURRENCY) {
    const batch = await Promise.all(members.slice(start, start + READ_CONCURRENCY).map((member) => memberMetrics(deps, member, nowMs)));
    sessions.push(...batch.filter((m): m is SessionMetrics => m !== undefined));
  }
  sessions.sort((a, b) => a.sessionId.localeCompare(b.sessionId));
  // Imported on use: the statistics (jstat) are a chunk of the ingest bundle no cold start reads.
  const { experimentReport } = await import('../experiments/report.ts');
  return { ...experimentReport(name, sessions), sessions };
}

async function memberMetrics(deps: ExperimentReportDeps, member: ExperimentMember, nowMs: number): Promise<SessionMetrics | undefined> {
  const [session, stored, episodes] = await Promise.all([
    deps.store.getSession(member.sessionId),
    deps.store.stepsFrom(member.sessionId, 0, MAX_STEPS_PER_SESSION),
    deps.store.listEpisodes(member.sessionId),
  ]);
  if (!session) return undefined; // expired (TTL) since it was enrolled
  const lastActivity = Math.max(Date.parse(session.createdAt), ...stored.map((s) => s.receivedAt));
  return sessionMetrics({
    sessionId: member.sessionId,
    arm: member.arm,
    steps: stored.map((s) => s.step),
    episodes,
    end: session.end,
    idle: nowMs - lastActivity >= deps.sessionIdleMs,
  });
}

import type { Episode, InterventionRecord, SessionRecord, Verdict } from '../records.ts';
import { toPublicDelivery, toPublicIntervention } from '../records.ts';

export interface SummaryDeps {
  store: {
    countSteps(sessionId: string): Promise<number>;
    listVerdicts(sessionId: string): Promise<Verdict[]>;
    listEpisodes(sessionId: string): Promise<Episode[]>;
    listInterventions(sessionId: string): Promise<InterventionRecord[]>;
  };
}

/** GET /v1/sessions/{id}: what was asked, what was seen, what was said, and whether it worked. */
export async function sessionSummary(deps: SummaryDeps, session: SessionRecord) {
  const [stepCount, verdicts, episodes, interventions] = await Promise.all([
    deps.store.countSteps(session.sessionId),
    deps.store.listVerdicts(session.sessionId),
    deps.store.listEpisodes(session.sessionId),
    deps.store.listInterventions(session.sessionId),
  ]);
  const closed = episodes.filter((e) => e.outcome !== undefined);
  return {
    sessionId: session.sessionId,
    agentId: session.agentId,
    task: session.task,
    stepCount,
    processedThrough: session.detection.nextIndex - 1,
    verdicts,
    episodes,
    interventions: interventions.map((record) => ({ ...toPublicIntervention(record), delivery: toPublicDelivery(record.delivery), handedOut: handedOutRoutes(record) })),
    resolution: {
      closedEpisodes: closed.length,
      resolved: closed.filter((e) => e.outcome === 'resolved').length,
      persisted: closed.filter((e) => e.outcome === 'persisted').length,
    },
    llmTokens: session.llmTokens,
  };
}

/** Where an intervention went: a step reply (or hook answer), the webhook, a poll — each with when. */
function handedOutRoutes(record: InterventionRecord) {
  return {
    reply: record.handedOutAt ?? null,
    webhook: record.delivery.status === 'delivered' ? record.delivery.deliveredAt ?? null : null,
    poll: record.firstPolledAt ?? null,
  };
}

import type { InterventionReply } from '../shared/api/schemas.ts';

export type Intervention = InterventionReply;

/** How many intervention ids are remembered for deduplication; a session sees far fewer. */
const MAX_REMEMBERED_IDS = 10_000;

/**
 * Interventions from every source (step replies, long-poll, webhook), deduplicated by id and
 * handed out once: whoever takes them first gets them, nobody gets them twice.
 */
export class GuidanceInbox {
  private readonly seen = new Set<string>();
  private pending: Intervention[] = [];
  private readonly listeners = new Set<(intervention: Intervention) => void>();

  /** Adds what is new; returns how many were new. */
  add(interventions: readonly Intervention[]): number {
    let added = 0;
    for (const intervention of interventions) {
      if (this.seen.has(intervention.interventionId)) continue;
      this.remember(intervention.interventionId);
      this.pending.push(intervention);
      added += 1;
      for (const listener of this.listeners) {
        try {
          listener(intervention);
        } catch {
          // A listener's failure must not stop delivery to the others or to take().
        }
      }
    }
    return added;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Hands out everything pending, oldest first, and forgets it. */
  take(): Intervention[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  onIntervention(listener: (intervention: Intervention) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > MAX_REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value!);
  }
}

/** Several interventions, as one reminder the agent reads in its next prompt. */
export function formatGuidance(interventions: readonly Intervention[]): string | undefined {
  if (interventions.length === 0) return undefined;
  return interventions.map((i) => i.guidance).join('\n\n');
}

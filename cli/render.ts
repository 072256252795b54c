import type { ReplayResult } from '../shared/eval/replay.ts';
import type { OnlineResult } from './online.ts';

/** A plain-text table: columns padded to their widest cell, the last column left ragged. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    indent + cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Step ranges compactly: [3,4,5,9] → "3–5, 9". */
export function stepRanges(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j += 1;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function heading(source: string, format: string, stepCount: number, task: string | undefined): string[] {
  const lines = [`${source}  (${format}, ${stepCount} steps)`];
  if (task) lines.push(`  task: ${oneLine(task, 100)}`);
  return lines;
}

export function renderOfflineReplay(result: ReplayResult): string {
  const lines = heading(result.source, result.format, result.stepCount, result.task);
  if (result.policyOrigin.source === 'derived') {
    lines.push(`  policy derived from the task (${result.policyOrigin.phrases?.map((p) => `"${oneLine(p, 60)}"`).join(', ')}): ${JSON.stringify(result.policy)}`);
  }
  if (result.interventions.length === 0) {
    lines.push('  no misbehavior detected: no intervention would have been sent');
    return lines.join('\n');
  }
  lines.push(`  interventions that would have been sent (${result.interventions.length}):`);
  lines.push(table(
    ['at step', 'subtype', 'category', 'evidence steps'],
    result.interventions.map((i) => [String(i.openedAtStep), i.subtype, i.category, stepRanges(i.evidence.stepIndexes)]),
    '    ',
  ));
  for (const intervention of result.interventions) {
    lines.push(`    → step ${intervention.openedAtStep}, ${intervention.subtype}: ${oneLine(intervention.guidance, 220)}`);
  }
  lines.push(`  verdicts (${result.verdicts.length}):`);
  const byEpisode = new Map<string, { subtype: string; steps: number[] }>();
  for (const verdict of result.verdicts) {
    const entry = byEpisode.get(verdict.episodeId) ?? { subtype: verdict.subtype, steps: [] };
    entry.steps.push(verdict.stepIndex);
    byEpisode.set(verdict.episodeId, entry);
  }
  lines.push(table(
    ['episode', 'subtype', 'matched at steps'],
    [...byEpisode].map(([episodeId, { subtype, steps }]) => [episodeId, subtype, stepRanges(steps)]),
    '    ',
  ));
  return lines.join('\n');
}

export function renderOnlineReplay(result: OnlineResult, task: string | undefined): string {
  const lines = heading(result.source, result.format, result.stepCount, task);
  lines.push(`  session ${result.sessionId}: ${result.accepted} steps accepted`);
  if (result.truncatedSteps.length > 0) lines.push(`  note: content of steps ${stepRanges(result.truncatedSteps)} was cut to fit the API's step size limit`);
  if (result.timedOut) lines.push('  note: stopped waiting before the interventions went quiet (raise --timeout)');
  if (result.interventions.length === 0) {
    lines.push('  no intervention came back');
    return lines.join('\n');
  }
  lines.push(`  interventions received (${result.interventions.length}):`);
  lines.push(table(
    ['subtype', 'category', 'evidence steps', 'intervention id'],
    result.interventions.map((i) => [i.subtype, i.category, stepRanges(i.evidence.stepIndexes), i.interventionId]),
    '    ',
  ));
  for (const intervention of result.interventions) lines.push(`    → ${intervention.subtype}: ${oneLine(intervention.guidance, 220)}`);
  return lines.join('\n');
}

/** The closing line of a multi-file replay. */
export function renderSummary(results: ReadonlyArray<{ stepCount: number; interventions: ReadonlyArray<{ subtype: string }> }>, failed: number): string {
  const steps = results.reduce((sum, r) => sum + r.stepCount, 0);
  const counts = new Map<string, number>();
  for (const r of results) for (const i of r.interventions) counts.set(i.subtype, (counts.get(i.subtype) ?? 0) + 1);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const detail = total === 0 ? '' : ` (${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')})`;
  const failures = failed > 0 ? `, ${failed} unreadable` : '';
  return `${results.length} trajectories, ${steps} steps, ${total} interventions${detail}${failures}`;
}

import type { EvalScores, Score } from './score.ts';

/** The metadata printed alongside the scores. */
export interface EvalRun {
  labels: string;
  detectors: string;
  judge: string;
  durationMs: number;
}

const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
const number = (value: number | null): string => (value === null ? '–' : String(value));

function scoreRows(scores: EvalScores): string[][] {
  const row = (name: string, s: Score): string[] => [name, percent(s.precision), percent(s.recall), percent(s.f1), String(s.support), String(s.tp), String(s.fp), String(s.fn)];
  return [...Object.entries(scores.perSubtype).map(([name, s]) => row(name, s!)), row('overall (micro)', scores.overall)];
}

const SCORE_HEADER = ['subtype', 'precision', 'recall', 'F1', 'support', 'TP', 'FP', 'FN'];

function headline(scores: EvalScores, run: EvalRun): Array<[string, string]> {
  return [
    ['labels', run.labels],
    ['trajectories', `${scores.corpus.trajectories} (${scores.corpus.clean} clean, ${scores.corpus.misbehaving} misbehaving), ${scores.corpus.steps} steps, ${scores.corpus.episodes} labeled episodes`],
    ['detectors', run.detectors],
    ['LLM judge', run.judge],
    ['false interventions per clean trajectory', number(scores.falseInterventionsPerCleanTrajectory)],
    ['interventions per misbehaving trajectory', number(scores.interventionsPerMisbehavingTrajectory)],
    ['interventions per detected episode (target 1)', number(scores.interventionsPerDetectedEpisode)],
    ['mean detection delay (steps)', number(scores.meanDetectionDelaySteps)],
    ['LLM tokens per trajectory', String(scores.llmTokensPerTrajectory)],
  ];
}

/** The figures one corpus is judged by (docs/eval.md targets), as a short Markdown section. */
export function renderCorpusFigures(title: string, figures: {
  labels: string[];
  corpus: EvalScores['corpus'];
  overall: Score;
  perSubtype: EvalScores['perSubtype'];
  falseInterventionsPerCleanTrajectory: number | null;
  subtypePrecision: number | null;
  medianDetectionDelaySteps: number | null;
}): string {
  const rows = Object.entries(figures.perSubtype).map(([name, s]) => `| ${name} | ${percent(s!.precision)} | ${percent(s!.recall)} | ${s!.support} | ${s!.tp} | ${s!.fp} |`);
  return [
    `## ${title}`,
    '',
    `- **labels**: ${figures.labels.join(', ')}`,
    `- **trajectories**: ${figures.corpus.trajectories} (${figures.corpus.clean} clean, ${figures.corpus.misbehaving} misbehaving), ${figures.corpus.steps} steps, ${figures.corpus.episodes} labeled episodes`,
    `- **precision / recall**: ${percent(figures.overall.precision)} / ${percent(figures.overall.recall)}`,
    `- **false interventions per clean trajectory**: ${number(figures.falseInterventionsPerCleanTrajectory)}`,
    `- **subtype precision** (nudges inside a labeled episode that name it right): ${number(figures.subtypePrecision)}`,
    `- **median detection delay (steps)**: ${number(figures.medianDetectionDelaySteps)}`,
    '',
    '| subtype | precision | recall | support | TP | FP |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function renderMarkdownReport(scores: EvalScores, run: EvalRun): string {
  const table = (header: string[], rows: string[][]): string =>
    [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const { rows, columns, counts } = scores.confusion;
  return [
    '# Wink evaluation report',
    '',
    ...headline(scores, run).map(([k, v]) => `- **${k}**: ${v}`),
    '',
    '## Per subtype',
    '',
    table(SCORE_HEADER, scoreRows(scores)),
    '',
    '## Confusion matrix',
    '',
    'Rows: labeled subtype ((none) = no labeled episode there). Columns: subtype of the intervention sent ((missed) counts labeled episodes no intervention detected).',
    '',
    table(['labeled \\ sent', ...columns], rows.map((row, i) => [row, ...counts[i]!.map(String)])),
    '',
    '## Trajectories',
    '',
    table(['trajectory', 'group', 'expected', 'sent', 'TP', 'FP', 'missed'],
      scores.cases.map((c) => [c.id, c.group ?? '', String(c.expected), String(c.interventions), String(c.tp), String(c.fp), String(c.missed)])),
    '',
  ].join('\n');
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderHtmlReport(scores: EvalScores, run: EvalRun): string {
  const table = (header: string[], rows: string[][], shade = false): string => {
    const max = Math.max(1, ...rows.flatMap((r) => r.slice(1).map(Number).filter(Number.isFinite)));
    const cell = (value: string, i: number): string => {
      const n = Number(value);
      const style = shade && i > 0 && n > 0 ? ` style="background: rgba(220, 80, 60, ${(0.15 + 0.6 * (n / max)).toFixed(2)})"` : '';
      return `<td${style}>${escape(value)}</td>`;
    };
    return `<table><thead><tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
  };
  const { rows, columns, counts } = scores.confusion;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wink evaluation report</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}dt{font-weight:600}dd{margin:0 0 .4rem 0}</style>
</head><body>
<h1>Wink evaluation report</h1>
<dl>${headline(scores, run).map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join('')}</dl>
<h2>Per subtype</h2>
${table(SCORE_HEADER, scoreRows(scores))}
<h2>Confusion matrix</h2>
<p>Rows: labeled subtype ((none) = no labeled episode there). Columns: subtype of the intervention sent ((missed) counts labeled episodes no intervention detected).</p>
${table(['labeled \\ sent', ...columns], rows.map((row, i) => [row, ...counts[i]!.map(String)]), true)}
<h2>Trajectories</h2>
${table(['trajectory', 'group', 'expected', 'sent', 'TP', 'FP', 'missed'], scores.cases.map((c) => [c.id, c.group ?? '', String(c.expected), String(c.interventions), String(c.tp), String(c.fp), String(c.missed)]))}
</body></html>
`;
}

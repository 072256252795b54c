import { loadTrajectory } from './shared/adapters/index.ts';
import { DEFAULT_THRESHOLDS } from './shared/detection/config.ts';
import { replayTrajectory } from './shared/eval/replay.ts';
const [file, ...idx] = process.argv.slice(2);
const t = await loadTrajectory(file!);
const r = replayTrajectory(t, { thresholds: DEFAULT_THRESHOLDS });
console.log('policy', JSON.stringify(r.policyOrigin), JSON.stringify(r.policy));
for (const i of r.interventions) console.log(i.openedAtStep, i.subtype, JSON.stringify(i.evidence.stepIndexes), i.guidance.slice(0, 300));
for (const n of idx.map(Number)) { const s = t.steps[n]!; console.log('--', n, s.type, s.toolName ?? '', JSON.stringify(s.toolInput ?? s.content).slice(0, 400)); }

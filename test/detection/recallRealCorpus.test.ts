import { describe, expect, it } from 'vitest';
import { firings, interventionSubtypes, observe, trajectory } from './helpers.ts';

/**
 * Misses and duplicates of the real corpus (test/fixtures/real/, sources in each SOURCES.md), each
 * rebuilt from an excerpt of the run named, with a control that must stay quiet.
 */

// An ownCloud files page as browser_get_state returns it (shortened from the runs named below).
const filesPage = JSON.stringify({
  url: 'http://the-agent-company.com:8092/index.php/apps/files/?dir=%2F&fileid=5',
  title: 'Files - ownCloud',
  interactive_elements: [{ index: 1233, tag: 'a', text: 'Documents', href: '/index.php/apps/files?dir=//Documents' }],
}, null, 2);

describe('one loop, one nudge: a second detector on the same long stretch joins its episode', () => {
  it('openhands-sdk/safety-metrics, steps 16–201: click 1233 / get_state ~90 times gets one alternating_loop, no later no_progress', () => {
    const t = trajectory().user('Download april-attendance-data.csv from ownCloud and build the dashboard.');
    for (let n = 0; n < 45; n += 1) {
      t.tool('browser_click', { index: 1233, new_tab: false }, 'Clicked element 1233').tool('browser_get_state', { include_screenshot: false }, filesPage);
    }
    const observation = observe(t.steps);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['alternating_loop']);
    // The other detector still sees it, and its verdicts are attributed to the same episode.
    const episodeIds = new Set(observation.verdicts.map((v) => v.episodeId));
    expect(observation.verdicts.some((v) => v.subtype === 'no_progress')).toBe(true);
    expect(episodeIds.size).toBe(1);
  });
});

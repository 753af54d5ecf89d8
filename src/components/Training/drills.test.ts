import { describe, expect, it } from 'vitest';
import { byFamily, drillStage, formatElapsed, verdictLine, type DrillInfo, type DrillVerdict } from './drills';
import type { ScenarioInfo } from './scenarios';

const scenario = (active: boolean, settled = true): ScenarioInfo => ({
  id: 's', title: 's', summary: '', runbook: '/x', active, activatedAt: active ? '2026-12-01T10:00:00Z' : null, note: null, dagRun: null, settled, actions: [], allActions: [],
});
const verdict = (solved: boolean): DrillVerdict => ({ name: 'canonical/x', solved, checks: [{ snippet: 'a/b', passed: solved, detail: '' }, { snippet: 'a/c', passed: true, detail: '' }], elapsedSeconds: 125, stepsUsed: 3 });
const drill = (name: string, family: string): DrillInfo => ({ name, family, title: name, symptom: '', runbook: '/x', scenario: 's', hints: [], checks: [] });

describe('a drill on the Training page', () => {
  it('is not started until its fault is active, starting while the night replays, solved once a check says so', () => {
    expect(drillStage(scenario(false), verdict(true))).toBe('not-started');
    expect(drillStage(scenario(true, false), null)).toBe('starting');
    expect(drillStage(scenario(true), verdict(false))).toBe('in-progress');
    expect(drillStage(scenario(true), verdict(true))).toBe('solved');
  });

  it('reads its result in the operator’s words: time, steps and hints, or how many checks pass', () => {
    expect(verdictLine(verdict(true), 1)).toBe('Solved in 2 min 5 s · 3 steps run · 1 hint taken.');
    expect(verdictLine(verdict(false), 0)).toBe('Not yet: 1 of 2 checks pass.');
    expect(formatElapsed(42)).toBe('42 s');
  });

  it('groups drills by family in the site’s order', () => {
    expect(byFamily([drill('retail/a', 'retail'), drill('canonical/b', 'canonical')]).map((g) => g.family)).toEqual(['canonical', 'retail']);
  });
});

import type { Step } from '../../shared/steps.ts';

/** Small builders for canonical steps, so tests read like trajectories. */
export function call(index: number, command: string, toolName = 'bash'): Step {
  return { index, type: 'tool_call', toolName, toolInput: { command }, toolCallId: `call_${index}` };
}

export function result(index: number, content: string, exitCode = 0): Step {
  return { index, type: 'tool_result', content, exitCode, toolCallId: `call_${index - 1}` };
}

export function say(index: number, content: string, type: 'assistant' | 'user' = 'assistant'): Step {
  return { index, type, content };
}

/** The task, then the same failing command `times` times (call + identical error each time). */
export function failingLoop(times = 4, start = 0): Step[] {
  const steps: Step[] = [say(start, 'Fix the failing import in app.py', 'user')];
  for (let i = 0; i < times; i += 1) {
    const index = start + 1 + i * 2;
    steps.push(call(index, 'python app.py'), result(index + 1, "ModuleNotFoundError: No module named 'requests'", 1));
  }
  return steps;
}

/** A clean run: explore, edit, test, pass. Nothing repeats. */
export function cleanRun(start = 0): Step[] {
  return [
    say(start, 'Fix the off-by-one in range_sum()', 'user'),
    say(start + 1, 'Let me look at the function first.'),
    call(start + 2, 'cat src/range_sum.py'),
    result(start + 3, 'def range_sum(a, b):\n    return sum(range(a, b))'),
    call(start + 4, "sed -i 's/range(a, b)/range(a, b + 1)/' src/range_sum.py"),
    result(start + 5, ''),
    call(start + 6, 'pytest -q'),
    result(start + 7, '3 passed in 0.02s'),
    say(start + 8, 'Fixed: range_sum now includes b; the tests pass.'),
  ];
}

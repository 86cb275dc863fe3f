// Repeats its steps, "round 2 of 5"; the steps themselves are drawn by their own kinds.

export function segments(step, run) {
  const total = run.value(step, 'rounds');
  const found = [];
  for (let n = 1; n <= total; n += 1) {
    for (const inner of step.steps) found.push(...run.segments(inner, { n, total }));
  }
  return found;
}

/** How many rounds, on the exercise page. */
export function summary(step, run, say) {
  return say.count('rounds', run.value(step, 'rounds'));
}

export function render() {
  return null;
}

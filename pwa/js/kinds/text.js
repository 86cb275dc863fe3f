// A short paragraph; "Next" comes when the person is ready, after `min_pause` at the earliest.

export function segments(step, run) {
  return [{ ...run.base(step), ms: null, minMs: run.scaled(step.min_pause ?? 0) }];
}

export function render() {
  return null;
}

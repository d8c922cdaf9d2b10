// Giving the event loop a turn. A campaign on the CPU reference is synchronous work inside async
// functions: its awaits resolve as microtasks, so without a macrotask turn no signal handler
// (Ctrl-C) and no timer would ever run. The campaign yields between checks and the shrinker
// between candidates; a turn costs microseconds, a check milliseconds at least.

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

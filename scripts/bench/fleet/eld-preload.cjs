// Preloaded into the controller by bench-fleet (node -r): samples the event-loop delay and
// the process's memory into BENCH_ELD_FILE every second. No change to the controller's code.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const timer = setInterval(() => {
    const sample = {
      t: Date.now(),
      p50: h.percentile(50) / 1e6,
      p99: h.percentile(99) / 1e6,
      max: h.max / 1e6,
      rss: process.memoryUsage.rss(),
    };
    h.reset();
    try {
      appendFileSync(file, JSON.stringify(sample) + '\n');
    } catch {
      // the bench reads what it gets
    }
  }, 1000);
  timer.unref();
}

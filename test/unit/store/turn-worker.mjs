// A second thread for write-turn.test.ts: takes the writer's side of a real write turn.
// Worker threads do not inherit the test runner's TypeScript loader, so it registers tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { writeTurn } = await import('../../../store/write-turn.ts');
const { state, shared, scenario } = workerData;
const hold = writeTurn(state, 'writer', 60_000);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

if (scenario === 'hold-then-mark') {
  // Hold the turn for 100 ms, mark shared[0] at its end, then give it back.
  hold(() => {
    parentPort.postMessage('holding');
    sleep(100);
    Atomics.store(shared, 0, 1);
  });
  parentPort.postMessage('released');
} else if (scenario === 'back-to-back') {
  // 200 transactions of 2 ms with nothing between them; shared[0] counts the ones begun.
  parentPort.postMessage('looping');
  for (let n = 0; n < 200; n++) {
    hold(() => {
      Atomics.add(shared, 0, 1);
      sleep(2);
    });
  }
  parentPort.postMessage('done');
} else if (scenario === 'hold-forever') {
  hold(() => {
    parentPort.postMessage('holding');
    Atomics.wait(shared, 1, 0); // until terminated
  });
}

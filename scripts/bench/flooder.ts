/**
 * The flooding client of the fairness figure, in a process of its own: masking and sending ~19 MB of
 * frames is work for the sender, which must not land on the process that times the other user's runs.
 * Told `{wsUrl, origin}` over IPC, it floods once per message and answers `done`.
 */
import WebSocket from 'ws';
import { garbageFrames } from './fairness';

const FRAMES = garbageFrames(1_000);

function flood(wsUrl: string, origin: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { origin, headers: { cookie: 'opsbook_demo_user=imani.manager' } });
    ws.on('error', () => resolve());
    ws.once('close', () => resolve());
    ws.once('open', () => {
      for (const frame of FRAMES) {
        if (ws.readyState !== ws.OPEN) break;
        ws.send(frame);
      }
      ws.close();
    });
  });
}

process.on('message', (m: { wsUrl: string; origin: string } | 'exit') => {
  if (m === 'exit') process.exit(0);
  void flood(m.wsUrl, m.origin).then(() => process.send?.('done'));
});
process.send?.('ready');

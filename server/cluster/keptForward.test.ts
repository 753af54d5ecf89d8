/**
 * The signature on a kept-result read one instance forwards to another: good only for the run, the user and
 * the kind of read it was made for, for a minute, and only with the cluster's key.
 */
import { describe, expect, it } from 'vitest';
import { forwardKey, signForward, verifyForward } from './keptForward';

const key = forwardKey('cluster-secret-'.padEnd(40, 'x'));
const T = 1_800_000_000_000;
const user = encodeURIComponent('dana.operator');

describe('forwarded kept-result reads', () => {
  it('names the user it was signed for', () => {
    expect(verifyForward(key, 'page', 'run-1', signForward(key, 'page', 'run-1', 'dana.operator', T), user, T + 1_000)).toBe('dana.operator');
  });

  it('is refused for another user, run or kind of read, after its minute, or under another key', () => {
    const token = signForward(key, 'page', 'run-1', 'dana.operator', T);
    expect(verifyForward(key, 'page', 'run-1', token, encodeURIComponent('oskar.oncall'), T)).toBeNull();
    expect(verifyForward(key, 'page', 'run-2', token, user, T)).toBeNull();
    expect(verifyForward(key, 'csv', 'run-1', token, user, T)).toBeNull();
    expect(verifyForward(key, 'page', 'run-1', token, user, T + 61_000)).toBeNull();
    expect(verifyForward(forwardKey('another-secret'.padEnd(40, 'y')), 'page', 'run-1', token, user, T)).toBeNull();
    // A stretched expiry does not carry the signature with it.
    const [, mac] = token.split('.');
    expect(verifyForward(key, 'page', 'run-1', `${T + 3_600_000}.${mac}`, user, T)).toBeNull();
    expect(verifyForward(key, 'page', 'run-1', undefined, user, T)).toBeNull();
    expect(verifyForward(key, 'page', 'run-1', 'garbage', user, T)).toBeNull();
  });
});

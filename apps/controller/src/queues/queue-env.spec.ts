import { queueSettingsOf } from './queue-config';
import { readQueueEnv } from './queue-env';
import type { AppConfig } from '../config/app-config';

describe('queue settings', () => {
  it('reads the role from --role or ROLE, and the queue settings from the environment', () => {
    expect(readQueueEnv({}, []).role).toBe('all');
    expect(readQueueEnv({ ROLE: 'worker' }).role).toBe('worker');
    expect(readQueueEnv({}, ['--role', 'worker']).role).toBe('worker');
    expect(() => readQueueEnv({ ROLE: 'boss' })).toThrow(/ROLE must be/);
    expect(readQueueEnv({ QUEUE_PREFIX: 'prod-eu', RUN_WORKERS: '0' }).queues).toEqual({
      prefix: 'prod-eu',
      runWorkers: false,
    });
  });

  it('defaults the prefix and refuses one that would break Redis keys', () => {
    const config = { redisUrl: 'redis://127.0.0.1:6379' } as AppConfig;
    expect(queueSettingsOf(config)).toMatchObject({
      prefix: 'l4f',
      runWorkers: true,
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(() => queueSettingsOf({ ...config, queues: { prefix: 'a b:c' } })).toThrow(
      /queue prefix/,
    );
  });
});

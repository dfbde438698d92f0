import { nextDelayMs } from '../../../local/event-bus';
import { matchesPattern } from '../../../local/event-pattern';

const s3Event = {
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'data' }, object: { key: 'batch/1/a.csv', size: 10 } },
};

describe('EventBridge patterns', () => {
  it('matches exact values and prefixes in nested fields', () => {
    const pattern = {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['data'] }, object: { key: [{ prefix: 'batch/' }] } },
    };
    expect(matchesPattern(pattern, s3Event)).toBe(true);
    expect(
      matchesPattern(pattern, { ...s3Event, detail: { ...s3Event.detail, object: { key: 'raw/x' } } }),
    ).toBe(false);
  });

  it('supports suffix, anything-but, exists and numeric', () => {
    expect(matchesPattern({ detail: { object: { key: [{ suffix: '.csv' }] } } }, s3Event)).toBe(true);
    expect(matchesPattern({ source: [{ 'anything-but': ['aws.s3'] }] }, s3Event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, s3Event)).toBe(true);
    expect(matchesPattern({ detail: { object: { size: [{ numeric: ['>', 5, '<=', 10] }] } } }, s3Event)).toBe(
      true,
    );
  });
});

describe('schedule expressions', () => {
  const now = new Date('2026-03-04T10:15:00Z'); // a Wednesday

  it('reads rate expressions', () => {
    expect(nextDelayMs('rate(1 day)', now)).toBe(86_400_000);
    expect(nextDelayMs('rate(5 minutes)', now)).toBe(300_000);
  });

  it('reads EventBridge cron expressions in UTC, days of the week numbered from Sunday = 1', () => {
    expect(nextDelayMs('cron(0 12 * * ? *)', now)).toBe(105 * 60_000);
    // 2 = Monday: next Monday 2026-03-09 00:00.
    expect(nextDelayMs('cron(0 0 ? * 2 *)', now)).toBe(Date.parse('2026-03-09T00:00:00Z') - now.getTime());
  });

  it('rejects what it cannot read', () => {
    expect(() => nextDelayMs('every tuesday', now)).toThrow(/unsupported/);
  });
});

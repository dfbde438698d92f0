/** Who is held out and when a send happened: the stable control hash and the hour-of-day bucket, shared by decisions, batch messages and feedback. */

import { hash32 } from '../../core/hash';

/**
 * The hour of day of an ISO time as written (the sender's wall clock when it carries an
 * offset), or of epoch milliseconds in UTC: the send-hour statistics count in it.
 */
export function hourOf(time: string | number): number {
  if (typeof time === 'number') return new Date(time).getUTCHours();
  const hour = /^\d{4}-\d{2}-\d{2}T(\d{2})/.exec(time)?.[1];
  return hour === undefined ? new Date(time).getUTCHours() : Number(hour);
}

/** Whether the user is in the campaign's control group: a stable hash, the same for the campaign's life. */
export function inControl(campaignId: string, userId: string, controlShare: number): boolean {
  return hash32(`${campaignId}:${userId}`) / 2 ** 32 < controlShare;
}

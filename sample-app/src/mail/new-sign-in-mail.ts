import type { SessionSignedInEvent } from 'nest-qsessions';
import { exactDateTime } from '../views/format.js';
import { APP_NAME } from '../views/layout.js';

/** What the alert says about the sign-in (from the `signed-in` event). */
export type NewSignIn = Pick<SessionSignedInEvent, 'newDevice' | 'newLocation' | 'device' | 'location' | 'ip' | 'at'>;

/** How long a "This wasn't me" link works, as the e-mail tells it. */
export const REVOKE_LINK_DAYS = 7;

function whatWasNew(signIn: NewSignIn): string {
  if (signIn.newDevice && signIn.newLocation) return 'on a new device, from a new place';
  if (signIn.newDevice) return "on a device you haven't used before";
  return "from a place you haven't signed in from before";
}

/**
 * The "new sign-in" e-mail: what signed in, from where and when, and the "This wasn't me" link
 * (plain text; the link is the whole point of the mail, so it is also what a reader must not
 * forward).
 */
export function newSignInMail(
  user: { displayName: string; username: string },
  signIn: NewSignIn,
  link: string,
): { subject: string; text: string } {
  const facts = [
    ['Device', signIn.device ?? 'Unknown device'],
    ['Location', signIn.location ?? 'Unknown location'],
    ['IP address', signIn.ip ?? 'Unknown'],
    ['Time', exactDateTime(signIn.at)],
  ].map(([name, value]) => `  ${`${name}:`.padEnd(12)}${value}`);
  return {
    subject: `New sign-in to your ${APP_NAME} account`,
    text: [
      `Hi ${user.displayName},`,
      '',
      `Your account ${user.username} was just signed in ${whatWasNew(signIn)}:`,
      '',
      ...facts,
      '',
      'If this was you, there is nothing to do.',
      '',
      `If it wasn't you, sign that device out (the link works once, for ${REVOKE_LINK_DAYS} days):`,
      link,
      '',
      'Then change your password.',
      '',
      `— ${APP_NAME}`,
      '',
    ].join('\n'),
  };
}

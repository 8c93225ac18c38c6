/**
 * What the employee does next with their token, in Microsoft's own words, for the kiosk's Done
 * screen and `assign`'s output: the route is what the desk did with the token (it activates tokens
 * through `upload`, or employees enrol them themselves after `upload --unassigned`).
 *
 * The words are those of Microsoft's My Sign-Ins pages and sign-in screens (Security info,
 * "Add sign-in method", "Hardware token", "Use a verification code", the default sign-in method
 * "Authenticator app or hardware token - code"); Microsoft renames them now and then, so they
 * live here and nowhere else.
 */

import type { Inventory } from '../../store/db.js';

export type EnrolmentRoute =
  /** The desk uploads and activates the token (tokendesk upload, or an admin with the CSV). */
  | 'desk-activates'
  /** The token is staged in the tenant (upload --unassigned): the employee adds it at My Security Info. */
  | 'self-service';

export interface NextStepsInput {
  route: EnrolmentRoute;
  serial: string;
  /** The name given at the desk. */
  tokenName: string;
}

export interface NextSteps {
  /** One line for the top of the screen. */
  headline: string;
  /** In order; each fits a kiosk line. */
  steps: string[];
}

export const MY_SECURITY_INFO_URL = 'https://aka.ms/mysecurityinfo';

export function employeeNextSteps(input: NextStepsInput): NextSteps {
  const signIn = [
    'At Microsoft sign-in, when asked to verify, choose "Use a verification code" and type the 6 digits the token shows.',
    `To be asked for it first: ${MY_SECURITY_INFO_URL} > Security info > Default sign-in method > Change > "Authenticator app or hardware token - code".`,
  ];
  if (input.route === 'self-service') {
    return {
      headline: 'Add the token to your account yourself, today',
      steps: [
        `Open ${MY_SECURITY_INFO_URL} and sign in > Security info > Add sign-in method > Hardware token.`,
        `Serial number: ${input.serial} (on the back of the token). Name: ${input.tokenName}.`,
        'Press the button and type the code the token shows now, then Done.',
        ...signIn,
      ],
    };
  }
  return {
    headline: 'Your token will be ready for Microsoft sign-in once the desk has uploaded it',
    steps: [...signIn, `It shows as "${input.tokenName}" (hardware token ${input.serial}) at ${MY_SECURITY_INFO_URL}.`],
  };
}

/**
 * The next steps for a token just handed out, when the desk knows its route: staged in the tenant by
 * `upload --unassigned` (the employee enrols it) or a desk that uploads through Graph (the desk
 * activates it). A desk that never used Graph may be sending its batches to privacyIDEA or LinOTP,
 * whose sign-in words differ: then there is nothing to say (null).
 */
export function nextStepsAfterHandOut(inventory: Inventory, serial: string, tokenName: string): NextSteps | null {
  const { stages, deskUsesGraph } = inventory.store.graphUploads.stagesOf(serial);
  if (stages.includes('staged')) return employeeNextSteps({ route: 'self-service', serial, tokenName });
  if (deskUsesGraph) return employeeNextSteps({ route: 'desk-activates', serial, tokenName });
  return null;
}

// Coded errors of the workspace's call actions (click-to-dial, dial-out from the browser softphone): in the API's answers and the log.
// A browser agent's dial that the toll-fraud policy refuses answers with the policy's own code (calls/call-policy.ts).
export const WorkspaceErrorCodes = {
  CC_WORKSPACE_NOT_AN_AGENT: 'only a signed-in user who is a configured agent can dial out from the workspace',
  CC_WORKSPACE_NOT_LOGGED_IN: 'a browser-softphone agent must be logged in (available, on a break or in wrap-up) to dial out',
  CC_WORKSPACE_NO_SOFTPHONE: 'the browser-softphone agent has no softphone page open that is free to place the call',
  CC_WORKSPACE_DIAL_NO_ROUTE: 'the dial plan has no route for the number, or it leads to a queue, conference room or IVR flow (not dialled from the softphone yet)',
  CC_WORKSPACE_DIAL_SELF: 'an agent cannot dial their own extension',
  CC_WORKSPACE_DIAL_UNREACHABLE: 'the number cannot be reached now: the extension has no registered phone, the trunk is down or busy, or the box is at its call limit',
  CC_WORKSPACE_PHONE_NOT_REGISTERED: 'the agent\'s desk phone is not registered, so it cannot be asked to dial',
  CC_WORKSPACE_BUSY: 'the agent is ringing or on a call; dial out after it',
  CC_WORKSPACE_PHONE_REFUSED: 'the desk phone refused (or did not answer) the request to dial (out-of-dialog REFER); the phone\'s status is in the message',
} as const;
export type WorkspaceErrorCode = keyof typeof WorkspaceErrorCodes;

// Coded errors of the workspace's call actions (click-to-dial): in the API's answers and the log.
export const WorkspaceErrorCodes = {
  CC_WORKSPACE_NOT_AN_AGENT: 'only a signed-in user who is a configured agent can dial out from the workspace',
  CC_WORKSPACE_DIAL_BROWSER: 'dialling out from the browser softphone is not built yet: only desk-phone agents can dial from the page',
  CC_WORKSPACE_PHONE_NOT_REGISTERED: 'the agent\'s desk phone is not registered, so it cannot be asked to dial',
  CC_WORKSPACE_BUSY: 'the agent is ringing or on a call; dial out after it',
  CC_WORKSPACE_PHONE_REFUSED: 'the desk phone refused (or did not answer) the request to dial (out-of-dialog REFER); the phone\'s status is in the message',
} as const;
export type WorkspaceErrorCode = keyof typeof WorkspaceErrorCodes;

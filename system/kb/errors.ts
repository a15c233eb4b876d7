// Coded errors of the knowledge base (知识库): in logs, API answers and the UI (kb.* texts).
export const KbErrorCodes = {
  CC_KB_INVALID: 'an article was refused (empty title, too long, bad tag or language); each problem names its field',
  CC_KB_NOT_FOUND: 'no article (or no such version of it) with that id',
  CC_KB_VERSION_CONFLICT: 'the article changed since the editor read it (baseVersion is not the newest version): reload and edit again',
  CC_KB_ATTACHMENT_TOO_LARGE: 'an attachment is larger than the limit (kb attachments: 10 MB each, 50 MB per article)',
  CC_KB_ATTACHMENT_TYPE: 'an attachment\'s type is not allowed, or its bytes do not match the declared type',
  CC_KB_ATTACHMENT_NOT_FOUND: 'the article has no attachment with that name',
  CC_KB_IMPORT_SOURCE: 'the import folder is not on an attached disk under the mount directory, does not exist, or is not a folder',
} as const;
export type KbErrorCode = keyof typeof KbErrorCodes;

export class KbError extends Error {
  constructor(readonly code: KbErrorCode, message: string, readonly problems?: { path: string; message: string }[]) {
    super(message);
    this.name = 'KbError';
  }
}

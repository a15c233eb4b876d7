// English UI text of the email details beside an email interaction (keys start with 'email.'
// and the CC_EMAIL_ error codes); its Chinese twin is email.zh-CN.ts.
export const emailEn = {
  'email.thread': 'Email thread {ref}',
  'email.to': 'To {address}',
  'email.from': 'From {address}',
  'email.attachments': 'Attachments',
  'email.attachmentSkipped': '{name} ({size} bytes, not kept: {reason})',
  'email.skipped.too-large': 'too large',
  'email.skipped.too-many': 'too many attachments',
  'email.deliveries': 'Your replies',
  'email.delivery.pending': 'Sending (attempt {attempts})…',
  'email.delivery.sent': 'Delivered to the mail server',
  'email.delivery.failed': 'Not delivered',
  'email.retry': 'Send again',
  'error.CC_EMAIL_NOT_FOUND': 'No such email thread or reply.',
  'error.CC_EMAIL_NO_RELAY': 'Replies cannot be sent: no mail relay is configured. Ask an administrator.',
  'error.CC_EMAIL_NO_RECIPIENT': 'The customer has no email address to reply to.',
  'error.CC_EMAIL_DELIVERY_RETRY': 'The mail server did not take the reply yet; it is tried again automatically.',
  'error.CC_EMAIL_DELIVERY_FAILED': 'The mail server refused the reply or could not be reached.',
} as const;

// 邮件互动旁的邮件详情的简体中文界面文字；键与 email.en.ts 相同。
import type { emailEn } from './email.en.ts';

export const emailZhCN: Record<keyof typeof emailEn, string> = {
  'email.thread': '邮件会话 {ref}',
  'email.to': '收件地址 {address}',
  'email.from': '发件人 {address}',
  'email.attachments': '附件',
  'email.attachmentSkipped': '{name}（{size} 字节，未保存：{reason}）',
  'email.skipped.too-large': '文件过大',
  'email.skipped.too-many': '附件过多',
  'email.deliveries': '您的回复',
  'email.delivery.pending': '正在发送（第 {attempts} 次尝试）…',
  'email.delivery.sent': '已交给邮件服务器',
  'email.delivery.failed': '发送失败',
  'email.retry': '重新发送',
  'error.CC_EMAIL_NOT_FOUND': '没有该邮件会话或回复。',
  'error.CC_EMAIL_NO_RELAY': '无法发送回复：未配置邮件中继，请联系管理员。',
  'error.CC_EMAIL_NO_RECIPIENT': '该客户没有可回复的邮件地址。',
  'error.CC_EMAIL_DELIVERY_RETRY': '邮件服务器暂未接收回复，系统将自动重试。',
  'error.CC_EMAIL_DELIVERY_FAILED': '邮件服务器拒绝了回复，或无法连接。',
};

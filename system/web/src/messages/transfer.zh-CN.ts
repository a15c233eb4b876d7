// the workspace's blind transfer panel 的简体中文界面文字；键与 transfer.en.ts 相同。
import type { transferEn } from './transfer.en.ts';

export const transferZhCN: Record<keyof typeof transferEn, string> = {
  'transfer.title': '转接',
  'transfer.kind': '转接到',
  'transfer.kind.agent': '坐席',
  'transfer.kind.queue': '队列',
  'transfer.kind.number': '分机或号码',
  'transfer.target': '目标',
  'transfer.choose': '请选择…',
  'transfer.blind': '盲转',
  'transfer.started': '已转接到 {to}：您已离开通话。若无人接听，来电将回到队列。',
  'transfer.agentState': '{name}（{state}）',
  'transfer.hint': '盲转：您立即离开通话，目标振铃期间来电方听等待音乐。',
  'transfer.consult': '先咨询',
  'transfer.consulting': '正在与 {to} 私下通话；来电方听等待音乐。',
  'transfer.complete': '完成转接',
  'transfer.cancel': '取消（回到来电方）',
  'transfer.conference': '三方通话',
  'transfer.consultRinging': '正在呼叫 {to} 进行咨询；来电方听等待音乐。',
  'transfer.consultedBy': '坐席 {agent} 就来电 {caller} 向您咨询',
  'transfer.consultIncoming': '坐席 {agent} 就来电 {number} 向您咨询',
  'error.CC_TRANSFER_TARGET_DECLINED': '被咨询的坐席拒绝了。您已回到来电方。',
  'error.CC_TRANSFER_TARGET_NO_ANSWER': '被咨询的坐席或号码无人接听。您已回到来电方。',
  'error.CC_TRANSFER_TARGET_UNAVAILABLE': '该坐席现在不可用（忙、未登录或未打开软电话页面）。',
  'error.CC_TRANSFER_TARGET_REFUSED': '无法呼叫该号码（拨号计划或呼叫限制），或号码不可达。',
  'error.CC_TRANSFER_NOT_POSSIBLE': '此通话现在无法转接。',
};

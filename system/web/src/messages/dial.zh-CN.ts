// 浏览器软电话外呼的简体中文界面文字；键与 dial.en.ts 相同。
import type { dialEn } from './dial.en.ts';

export const dialZhCN: Record<keyof typeof dialEn, string> = {
  'dial.browserHint': '通过本浏览器（软电话）外呼。',
  'dial.calling': '正在呼叫 {number}…',
  'dial.ringback': '{number} 振铃中…',
  'dial.placed': '正在通过软电话呼叫 {number}。',
  'dial.notConnected.busy': '未接通：{number} 忙。',
  'dial.notConnected.notFound': '未接通：{number} 不存在。',
  'dial.notConnected.noAnswer': '未接通：{number} 无人接听。',
  'dial.notConnected.other': '未接通（{status} {reason}）。',
  'error.CC_WORKSPACE_NOT_LOGGED_IN': '请先签入（置为空闲）再外呼。',
  'error.CC_WORKSPACE_NO_SOFTPHONE': '软电话未连接（或正在通话）；请刷新页面。',
  'error.CC_WORKSPACE_DIAL_NO_ROUTE': '拨号计划中没有此号码的路由。',
  'error.CC_WORKSPACE_DIAL_SELF': '这是您自己的分机。',
  'error.CC_WORKSPACE_DIAL_UNREACHABLE': '该号码现在无法接通（话机未注册，或线路故障、占满）。',
  'error.CC_CALL_CLASS_FORBIDDEN': '您无权拨打此类号码（如国际或声讯号码）：不在您的呼叫权限内。',
  'error.CC_CALL_EXTENSION_BLOCKED': '您的分机已被禁止外呼；请联系管理员。',
  'error.CC_CALL_LIMIT_CONCURRENT': '您同时进行的外呼已达上限。',
  'error.CC_CALL_LIMIT_HOURLY': '您本小时的外呼次数已达上限。',
  'error.CC_CALL_TRUNK_HOURLY': '外线本小时的呼叫次数已达上限；请稍后再试。',
  'error.CC_CALL_TOLL_BURST': '短时间内外呼过多：您的分机已被禁止外呼，并已通知管理员。',
};

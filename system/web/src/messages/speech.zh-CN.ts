// 语音分析界面文字（键以 'speech.' 开头）；英文版见 speech.en.ts。
import type { speechEn } from './speech.en.ts';

export const speechZhCN: Record<keyof typeof speechEn, string> = {
  'speech.title': '语音分析',
  'speech.timeline': '说话时间轴：上为主叫，下为被叫',
  'speech.caller': '主叫',
  'speech.callee': '被叫 / 坐席',
  'speech.pending': '正在分析…',
  'speech.unreadable': '无法分析该录音',
  'speech.callerTalk': '主叫说话时长',
  'speech.calleeTalk': '被叫 / 坐席说话时长',
  'speech.ratio': '说听比（被叫 ÷ 主叫）',
  'speech.silence': '静音（双方均未说话）',
  'speech.overtalk': '抢话（双方同时说话）',
  'speech.monologue': '最长独白',
  'speech.hold': '保持时长',
  'speech.agitationCaller': '主叫情绪激动度（估计）',
  'speech.agitationCallee': '被叫情绪激动度（估计）',
  'speech.seconds': '{s} 秒',
  'speech.notEnough': '语音太少',
  'speech.estimateNote': '由本机按 20 毫秒帧分析录音得出。情绪激动度是根据音量和音高变化的启发式估计，并非情绪识别。',
};

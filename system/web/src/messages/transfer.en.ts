// English UI text of the workspace's blind transfer panel (keys start with 'transfer.'); its Chinese twin is transfer.zh-CN.ts.
export const transferEn = {
  'transfer.title': 'Transfer',
  'transfer.kind': 'Transfer to',
  'transfer.kind.agent': 'Agent',
  'transfer.kind.queue': 'Queue',
  'transfer.kind.number': 'Extension or number',
  'transfer.target': 'Target',
  'transfer.choose': 'Choose…',
  'transfer.blind': 'Blind transfer',
  'transfer.started': 'Transferred to {to}: you have left the call. If nobody answers, the caller goes back to the queue.',
  'transfer.agentState': '{name} ({state})',
  'transfer.hint': 'Blind transfer: you leave at once and the caller hears music while the target rings.',
  'transfer.consult': 'Consult first',
  'transfer.consulting': 'Talking privately with {to}; the caller hears music.',
  'transfer.complete': 'Complete transfer',
  'transfer.cancel': 'Cancel (back to the caller)',
  'transfer.conference': 'Conference (all three)',
};

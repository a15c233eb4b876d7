// Simplified Chinese UI text of the SIP over TLS certificate; keys as in sip-tls.en.ts.
import type { sipTlsEn } from './sip-tls.en.ts';

export const sipTlsZhCN: Record<keyof typeof sipTlsEn, string> = {
  'sipTls.title': 'SIP over TLS 证书',
  'sipTls.hint': '使用 SIP over TLS 的话机和中继看到的是这张证书。设备首次启动时已生成自签名证书；可替换为为本设备签发的证书（先粘贴 PEM 证书，再粘贴未加密的私钥）。',
  'sipTls.port': 'TLS 端口',
  'sipTls.subject': '主题',
  'sipTls.issuer': '颁发者',
  'sipTls.validTo': '有效期至',
  'sipTls.fingerprint': 'SHA-256 指纹',
  'sipTls.selfSigned': '自签名',
  'sipTls.off': 'SIP over TLS 已关闭。',
  'sipTls.certificate': '证书（PEM，证书链中本设备证书在前）',
  'sipTls.key': '私钥（PEM）',
  'sipTls.replace': '替换证书',
  'sipTls.replaced': '证书已替换，新的 TLS 连接立即使用新证书。',
  'error.CC_SIP_TLS_CERT_PARSE': '这不是 PEM 格式的 X.509 证书。',
  'error.CC_SIP_TLS_KEY_PARSE': '这不是未加密的 PEM 私钥。',
  'error.CC_SIP_TLS_KEY_MISMATCH': '私钥与证书不匹配。',
  'error.CC_SIP_TLS_NOT_YET_VALID': '证书尚未生效。',
  'error.CC_SIP_TLS_EXPIRED': '证书已过期。',
  'error.CC_SIP_TLS_UNUSABLE': 'TLS 无法使用此证书和私钥。',
  'error.CC_SIP_TLS_OFF': 'SIP over TLS 已关闭（设置项 sip.tls）。',
};

// A seeded set of knowledge-base articles in Chinese and English with a labelled query set
// (the article each query must find first), for the ranking tests and the browser test.
import type { ArticleInput } from './articles.ts';

export const SEED_ARTICLES: Record<string, ArticleInput> = {
  'en-refund': { language: 'en', category: 'billing', tags: ['refund', 'queue:billing'], title: 'How to process a refund', body: '# Refunds\n\nA customer may ask for a refund within 30 days of payment. Check the order in the billing system, confirm the payment method, and submit the refund request. Refunded payments reach the card in 5-7 working days.\n\n- Card payments: refund to the same card\n- Bank transfer: ask for the account number' },
  'zh-refund': { language: 'zh-CN', category: '账务', tags: ['退款', 'queue:billing'], title: '退款申请流程', body: '# 退款\n\n客户在付款后30天内可以申请退款。请先在计费系统中核对订单，确认付款方式，然后提交退款申请。退款一般在5到7个工作日内原路退回。\n\n- 银行卡支付：退回原卡\n- 转账：请客户提供收款账户' },
  'en-password': { language: 'en', category: 'account', tags: ['password', 'account'], title: "Resetting a customer's account password", body: 'When a customer forgot the password, verify the identity with the registered phone number and the last order. Then send a reset link from the account console. The link expires after 30 minutes. Never read a password aloud on the phone.' },
  'zh-password': { language: 'zh-CN', category: '账户', tags: ['密码', '账户'], title: '如何重置账户密码', body: '客户忘记密码时，先用注册手机号和最近一笔订单核实身份，再从账户后台发送密码重置链接。链接30分钟后失效。不要在电话中念出密码。' },
  'en-invoice': { language: 'en', category: 'billing', tags: ['invoice', 'tax'], title: 'Requesting a VAT invoice', body: 'Business customers can request a VAT invoice for any paid order. Collect the company name, tax number and postal address. Invoices are issued within 3 working days and sent by email as PDF.' },
  'zh-invoice': { language: 'zh-CN', category: '账务', tags: ['发票', '税务'], title: '开具增值税发票', body: '企业客户可以为已付款订单申请增值税发票。请记录公司名称、税号和邮寄地址，发票抬头必须与营业执照一致。发票在3个工作日内开出，以PDF格式发到客户邮箱。' },
  'en-shipping': { language: 'en', category: 'delivery', tags: ['delivery', 'queue:sales'], title: 'Delivery delays and tracking numbers', body: 'If a package has not arrived, look up the tracking number in the order. Deliveries in remote areas can take up to 7 days. When the courier reports a delay, tell the customer the new delivery date and offer to send the tracking link by SMS.' },
  'zh-shipping': { language: 'zh-CN', category: '物流', tags: ['物流', 'queue:sales'], title: '快递物流查询与配送延迟', body: '客户询问快递进度时，在订单中查找运单号并查询物流状态。偏远地区配送最多需要7天。快递公司报告配送延迟时，告知客户新的送达日期，并可短信发送查询链接。' },
  'en-warranty': { language: 'en', category: 'service', tags: ['warranty', 'repair'], title: 'Warranty claims for broken devices', body: 'Devices have a two-year warranty from the purchase date. A broken device is repaired or replaced free of charge if the damage was not caused by the user. Ask for the serial number and the purchase receipt, then book a repair pickup.' },
  'zh-warranty': { language: 'zh-CN', category: '售后', tags: ['保修', '维修'], title: '产品保修与维修政策', body: '产品自购买之日起保修两年。非人为损坏的故障设备可免费维修或更换。请客户提供序列号和购买凭证，然后预约上门取件维修。保修期外的维修按价目表收费。' },
  'en-router': { language: 'en', category: 'technical', tags: ['router', 'wifi', 'ivr:tech-support'], title: 'Setting up the Wi-Fi router', body: 'Connect the router to the fibre modem with the yellow cable. Open 192.168.1.1 in a browser, sign in with the password on the label and configure the wireless network name. Restart the router if the light stays red.' },
  'zh-router': { language: 'zh-CN', category: '技术支持', tags: ['路由器', 'ivr:tech-support'], title: '无线路由器安装指南', body: '用黄色网线把路由器连接到光猫。在浏览器中打开192.168.1.1，用标签上的密码登录，设置无线网络名称。如果指示灯一直是红色，请重启路由器。' },
  'en-billing': { language: 'en', category: 'billing', tags: ['billing', 'disposition:complaint'], title: 'Disputing a charge on the monthly bill', body: 'If a customer disputes a charge, open the monthly bill and find the line item. Explain roaming and add-on charges. When the charge is wrong, raise a billing dispute; the account is credited on the next bill.' },
  'zh-plan': { language: 'zh-CN', category: '业务办理', tags: ['套餐'], title: '更改手机套餐', body: '客户可以随时更换手机套餐，新套餐从下个月1日起生效。升级套餐立即生效并按天计费。降级套餐需要合约期满。请在办理前向客户说明月租和流量的变化。' },
  'en-cancel': { language: 'en', category: 'account', tags: ['subscription'], title: 'Cancelling a subscription', body: 'A subscription can be cancelled at any time from the account page or by an agent. Cancellation takes effect at the end of the billing period. Offer a retention discount once; do not insist if the customer declines.' },
  'zh-points': { language: 'zh-CN', category: '会员', tags: ['积分', '会员'], title: '会员积分兑换规则', body: '会员每消费1元获得1积分。积分可以兑换话费、流量包和礼品，100积分抵1元。积分有效期为两年，过期自动清零。兑换后不可退回。' },
};

/** Query -> the article id it must find first. */
export const LABELLED_QUERIES: [string, string][] = [
  ['怎么退款', 'zh-refund'],
  ['忘记密码', 'zh-password'],
  ['增值税发票', 'zh-invoice'],
  ['发票抬头', 'zh-invoice'],
  ['快递到哪了', 'zh-shipping'],
  ['配送延迟', 'zh-shipping'],
  ['保修期多久', 'zh-warranty'],
  ['路由器怎么安装', 'zh-router'],
  ['换套餐', 'zh-plan'],
  ['积分兑换', 'zh-points'],
  ['重置密码', 'zh-password'],
  ['维修收费', 'zh-warranty'],
  ['refund', 'en-refund'],
  ['refunded payment', 'en-refund'],
  ['reset password', 'en-password'],
  ['VAT invoice', 'en-invoice'],
  ['where is my package', 'en-shipping'],
  ['tracking number', 'en-shipping'],
  ['broken device warranty', 'en-warranty'],
  ['wi-fi router setup', 'en-router'],
  ['configure the router', 'en-router'],
  ['dispute charge', 'en-billing'],
  ['cancel subscription', 'en-cancel'],
  ['Refunds', 'en-refund'],
];

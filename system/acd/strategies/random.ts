// random: a uniform shuffle drawn from the injected random source (partial Fisher-Yates: only
// the first `limit` places are drawn).
import type { Strategy } from './order.ts';

export const random: Strategy = (candidates, ctx, limit) => {
  const pool = candidates.map((c) => c.agent.id);
  const n = Math.min(limit, pool.length);
  for (let i = 0; i < n; i++) {
    const j = Math.min(pool.length - 1, i + Math.floor(ctx.random() * (pool.length - i)));
    const picked = pool[j];
    pool[j] = pool[i];
    pool[i] = picked;
  }
  pool.length = n;
  return pool;
};

/**
 * Basic against Bearer authentication: the same native GET sent `count` times with each,
 * one request at a time, in alternating rounds (so a busy moment of a shared machine
 * weighs on both), after one warm-up call of each (the first Basic call pays the password
 * verification; the calls after it are what a script sending Basic on every call costs).
 */
export interface AuthFigures {
  /** Lines of the benchmark's table. */
  rows: Array<[string, string]>;
  /** Figures of its JSON line; `basic_vs_bearer_get_ratio` is Basic time / Bearer time. */
  json: { auth_gets: number; bearer_gets_ms: number; basic_gets_ms: number; basic_vs_bearer_get_ratio: number };
}

const ROUNDS = 5;

async function getMany(url: string, authorization: string, count: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await fetch(url, { headers: { authorization } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
  }
  return performance.now() - t;
}

export async function basicVsBearer(url: string, login: { user: string; password: string }, token: string, count: number): Promise<AuthFigures> {
  const basic = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString('base64')}`;
  const bearer = `Bearer ${token}`;
  await getMany(url, basic, 1);
  await getMany(url, bearer, 1);
  let basicMs = 0;
  let bearerMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const n = Math.floor(count / ROUNDS) + (round < count % ROUNDS ? 1 : 0);
    bearerMs += await getMany(url, bearer, n);
    basicMs += await getMany(url, basic, n);
  }
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return {
    rows: [
      [`${count} GETs with Bearer (one at a time)`, ms(bearerMs)],
      [`${count} GETs with Basic (password verified once, then remembered)`, ms(basicMs)],
      ['  basic / bearer', (basicMs / bearerMs).toFixed(2)],
    ],
    json: { auth_gets: count, bearer_gets_ms: Math.round(bearerMs), basic_gets_ms: Math.round(basicMs), basic_vs_bearer_get_ratio: +(basicMs / bearerMs).toFixed(2) },
  };
}

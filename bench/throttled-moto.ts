import { ThrottlingProxy } from './throttling-proxy';
import { MotoServer } from '../test/helpers/moto-server';

/** GetParameter* calls per second an account allows by default (PutParameter's quota is each bench's subject). */
const GET_TPS = 40;

/**
 * Runs `work` against moto_server behind a proxy that throttles PutParameter to `putTps` and GetParameter* to
 * 40 TPS, like an account's defaults, with the library's log lines silenced (they never carry a value, and the
 * bench reports failures itself); stops both afterwards.
 */
export async function withThrottledMoto<T>(
  account: string,
  putTps: number,
  work: (moto: MotoServer, proxy: ThrottlingProxy) => Promise<T>,
): Promise<T> {
  const moto = await MotoServer.start(account);
  const proxy = await ThrottlingProxy.start(Number(new URL(moto.endpoint).port), { 'PutParameter': putTps, 'GetParameter*': GET_TPS });
  const log = console.log;
  const error = console.error;
  console.log = () => undefined;
  console.error = () => undefined;
  try {
    return await work(moto, proxy);
  } finally {
    console.log = log;
    console.error = error;
    await proxy.stop();
    await moto.stop();
  }
}

export { ZongjiStream, type ZongjiStreamOptions } from './zongji-stream.js';
export type { ReadHold } from './connection-gate.js';
export { GtidSet } from '@vlasky/zongji';

/** MySQL's binary DECIMAL (row events and JSON opaque values), as the text a SELECT gives: all `scale` digits. */
import { ByteReader } from './byte-reader.js';

const decimalDigitsPerWord = 9;
const bytesOfLeftoverDigits = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** MySQL's binary DECIMAL: groups of 9 digits in 4 bytes, big-endian, the sign in the first bit. */
export function readDecimal(reader: ByteReader, precision: number, scale: number): string {
  const integerDigits = precision - scale;
  const wholeIntegerWords = Math.floor(integerDigits / decimalDigitsPerWord);
  const leftoverIntegerDigits = integerDigits % decimalDigitsPerWord;
  const wholeFractionWords = Math.floor(scale / decimalDigitsPerWord);
  const leftoverFractionDigits = scale % decimalDigitsPerWord;
  const size =
    wholeIntegerWords * 4 +
    (bytesOfLeftoverDigits[leftoverIntegerDigits] as number) +
    wholeFractionWords * 4 +
    (bytesOfLeftoverDigits[leftoverFractionDigits] as number);
  const raw = reader.bytes(size, 'a DECIMAL');
  const positive = ((raw[0] as number) & 0x80) !== 0;
  raw[0] = (raw[0] as number) ^ 0x80;
  if (!positive)
    for (let index = 0; index < raw.length; index += 1) raw[index] = ~(raw[index] as number) & 0xff;
  const words = new ByteReader(raw);
  let integerText = '';
  const leftoverIntegerBytes = bytesOfLeftoverDigits[leftoverIntegerDigits] as number;
  if (leftoverIntegerBytes > 0) integerText += String(words.uintBE(leftoverIntegerBytes));
  for (let word = 0; word < wholeIntegerWords; word += 1) {
    integerText += String(words.uintBE(4)).padStart(decimalDigitsPerWord, '0');
  }
  integerText = integerText.replace(/^0+(?=\d)/, '') || '0';
  let fractionText = '';
  for (let word = 0; word < wholeFractionWords; word += 1) {
    fractionText += String(words.uintBE(4)).padStart(decimalDigitsPerWord, '0');
  }
  const leftoverFractionBytes = bytesOfLeftoverDigits[leftoverFractionDigits] as number;
  if (leftoverFractionBytes > 0) {
    fractionText += String(words.uintBE(leftoverFractionBytes)).padStart(leftoverFractionDigits, '0');
  }
  const text = scale > 0 ? `${integerText}.${fractionText}` : integerText;
  const isZero = /^[0.]*$/.test(text);
  return positive || isZero ? text : `-${text}`;
}
